/* SPDX-License-Identifier: MIT */
/*
 * The option strings of -netdev and -nic, parsed into plain values and
 * checked as QEMU checks them (same messages where QEMU has them). Pure:
 * no sockets, no slirp; kernel/net.c turns the result into a backend. The
 * fuzz target tests/fuzz/fuzz-netopts.c drives netopts_parse().
 *
 *   -netdev user,id=ID[,ipv4=on|off][,net=ADDR[/MASK]][,host=ADDR]
 *           [,ipv6=on|off][,ipv6-net=ADDR[/LEN]][,ipv6-host=ADDR]
 *           [,restrict=on|off][,hostname=NAME][,dhcpstart=ADDR][,dns=ADDR]
 *           [,ipv6-dns=ADDR][,dnssearch=DOMAIN][,domainname=DOMAIN]
 *           [,tftp=DIR][,tftp-server-name=NAME][,bootfile=FILE]
 *           [,hostfwd=RULE][,guestfwd=RULE]
 *   -nic user[,the same][,mac=MAC][,model=MODEL]   ("-nic none": no NIC)
 *
 * ",," stands for a comma inside a value. hostfwd, guestfwd and dnssearch
 * may repeat. hostfwd=[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT,
 * guestfwd=[tcp]:[GUESTADDR]:GUESTPORT-cmd:COMMAND or -CHARDEV-SPEC.
 */
#ifndef KERNEL_NETOPTS_H
#define KERNEL_NETOPTS_H

#include <glib.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct NetHostFwd {
    bool udp;
    struct in_addr host_addr; /* INADDR_ANY when empty */
    int host_port;            /* 0..65535 (0: any free port) */
    struct in_addr guest_addr; /* 0 when empty: the DHCP start address */
    int guest_port;           /* 1..65535 */
    char *rule;               /* as written */
} NetHostFwd;

typedef struct NetGuestFwd {
    struct in_addr addr; /* 0 when empty: slirp picks one in the network */
    int port;
    char *cmd;           /* "cmd:" target: a shell command, else NULL */
    char *chardev;       /* else a character backend spec (tcp:, unix:...) */
    char *rule;
} NetGuestFwd;

typedef enum NetType { NET_TYPE_NONE, NET_TYPE_USER } NetType;

typedef struct NetdevOpts {
    NetType type;
    char *id;            /* NULL only for -nic without id= */
    bool ipv4, ipv6, restricted;
    struct in_addr net, mask, host, dhcp_start, dns;
    struct in6_addr prefix6, host6, dns6;
    int prefix6_len;
    char *hostname, *domainname, *tftp, *tftp_server_name, *bootfile;
    GPtrArray *dnssearch; /* char * */
    GPtrArray *hostfwd;   /* NetHostFwd * */
    GPtrArray *guestfwd;  /* NetGuestFwd * */
    /* -nic only */
    bool mac_given;
    uint8_t mac[6];
    char *model;          /* NULL: the board's default; "help": list them */
} NetdevOpts;

/*
 * Parses text (after "-netdev " or "-nic "; nic selects -nic's extra keys
 * and makes id optional). On success fills *o (free with netopts_free) and
 * returns 0; else returns -1 with a message in err (o is left empty). A
 * text of "help" or a type of "help" is not handled here.
 */
int netopts_parse(const char *text, bool nic, NetdevOpts *o, char *err,
                  size_t errlen);
void netopts_free(NetdevOpts *o);

/* "52:54:00:12:34:56" into mac; false on bad syntax. */
bool netopts_parse_mac(const char *s, uint8_t mac[6]);

#endif
