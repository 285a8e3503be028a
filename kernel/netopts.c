/* SPDX-License-Identifier: MIT */
#include "kernel/netopts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/util.h"

#define FAIL(...)                                                          \
    do {                                                                   \
        snprintf(err, errlen, __VA_ARGS__);                                \
        return -1;                                                         \
    } while (0)

static bool parse_bool(const char *v, bool *b)
{
    if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "y") ||
        !strcmp(v, "true")) {
        *b = true;
        return true;
    }
    if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "n") ||
        !strcmp(v, "false")) {
        *b = false;
        return true;
    }
    return false;
}

/* QEMU's identifiers: a letter, then letters, digits, '-', '.', '_'. */
static bool is_identifier(const char *s)
{
    if (!g_ascii_isalpha(*s))
        return false;
    for (s++; *s; s++)
        if (!g_ascii_isalnum(*s) && *s != '-' && *s != '.' && *s != '_')
            return false;
    return true;
}

bool netopts_parse_mac(const char *s, uint8_t mac[6])
{
    for (int i = 0; i < 6; i++) {
        if (!g_ascii_isxdigit(s[0]))
            return false;
        unsigned v = g_ascii_xdigit_value(s[0]);
        s++;
        if (g_ascii_isxdigit(s[0])) {
            v = v * 16 + g_ascii_xdigit_value(s[0]);
            s++;
        }
        mac[i] = v;
        if (i < 5) {
            if (*s != ':' && *s != '-')
                return false;
            s++;
        }
    }
    return *s == '\0';
}

/* A port as strtol(..., 0) reads it: the whole text, in [lo, 65535]. */
static bool parse_port(const char *s, int lo, int *port)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 0);
    if (*end || errno || v < lo || v > 65535)
        return false;
    *port = (int)v;
    return true;
}

/* Cuts *p at the first sep: the part before goes to a new string. */
static char *take_until(const char **p, char sep)
{
    const char *s = strchr(*p, sep);
    if (!s)
        return NULL;
    char *r = g_strndup(*p, s - *p);
    *p = s + 1;
    return r;
}

static void hostfwd_free(gpointer p)
{
    NetHostFwd *f = p;
    g_free(f->rule);
    g_free(f);
}

static void guestfwd_free(gpointer p)
{
    NetGuestFwd *f = p;
    g_free(f->rule);
    g_free(f->cmd);
    g_free(f->chardev);
    g_free(f);
}

static int parse_hostfwd(NetdevOpts *o, const char *rule, char *err,
                         size_t errlen)
{
    const char *p = rule;
    const char *why = NULL;
    NetHostFwd f = {0};
    char *part = NULL;

    if (!(part = take_until(&p, ':')))
        why = "No : separators";
    else if (!*part || !strcmp(part, "tcp"))
        f.udp = false;
    else if (!strcmp(part, "udp"))
        f.udp = true;
    else
        why = "Bad protocol name";
    g_free(part);
    part = NULL;
    if (!why && !(part = take_until(&p, ':')))
        why = "Missing : separator";
    else if (!why && *part && !inet_aton(part, &f.host_addr))
        why = "Bad host address";
    g_free(part);
    part = NULL;
    if (!why && !(part = take_until(&p, '-')))
        why = "Bad host port separator";
    else if (!why && !parse_port(part, 0, &f.host_port))
        why = "Bad host port";
    g_free(part);
    part = NULL;
    if (!why && !(part = take_until(&p, ':')))
        why = "Missing guest address";
    else if (!why && *part && !inet_aton(part, &f.guest_addr))
        why = "Bad guest address";
    g_free(part);
    if (!why && !parse_port(p, 1, &f.guest_port))
        why = "Bad guest port";
    if (why)
        FAIL("Invalid host forwarding rule '%s' (%s)", rule, why);
    NetHostFwd *n = g_memdup2(&f, sizeof(f));
    n->rule = g_strdup(rule);
    g_ptr_array_add(o->hostfwd, n);
    return 0;
}

static int parse_guestfwd(NetdevOpts *o, const char *rule, char *err,
                          size_t errlen)
{
    const char *p = rule;
    NetGuestFwd f = {0};
    bool ok = true;
    char *part;

    part = take_until(&p, ':');
    ok = part && (!*part || !strcmp(part, "tcp"));
    g_free(part);
    part = ok ? take_until(&p, ':') : NULL;
    ok = part && (!*part || inet_aton(part, &f.addr));
    g_free(part);
    part = ok ? take_until(&p, '-') : NULL;
    ok = part && parse_port(part, 1, &f.port);
    g_free(part);
    if (!ok || !*p)
        FAIL("Invalid guest forwarding rule '%s'", rule);
    NetGuestFwd *n = g_memdup2(&f, sizeof(f));
    if (g_str_has_prefix(p, "cmd:"))
        n->cmd = g_strdup(p + 4);
    else
        n->chardev = g_strdup(p);
    n->rule = g_strdup(rule);
    g_ptr_array_add(o->guestfwd, n);
    return 0;
}

/* "ADDR[/MASK]": MASK a prefix length (4-32) or a dotted mask. */
static int parse_net(NetdevOpts *o, const char *v, char *err, size_t errlen)
{
    const char *slash = strchr(v, '/');
    char *addr = slash ? g_strndup(v, slash - v) : g_strdup(v);
    bool ok = inet_aton(addr, &o->net);
    g_free(addr);
    if (!ok)
        FAIL("Failed to parse netmask");
    if (!slash) {
        /* No mask: the address's class, as QEMU (A: /8, B: /16, C: /24). */
        uint32_t a = ntohl(o->net.s_addr);
        uint32_t m = !(a & 0x80000000u) ? 0xff000000u
                     : !(a & 0x40000000u) ? 0xffff0000u : 0xffffff00u;
        o->mask.s_addr = htonl(m);
    } else if (strchr(slash + 1, '.')) {
        if (!inet_aton(slash + 1, &o->mask))
            FAIL("Failed to parse netmask");
    } else {
        char *end;
        errno = 0;
        long n = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || errno)
            FAIL("Failed to parse netmask");
        if (*end)
            FAIL("Failed to parse netmask (trailing chars)");
        if (n < 4 || n > 32)
            FAIL("Invalid netmask provided (must be in range 4-32)");
        o->mask.s_addr = n ? htonl(0xffffffffu << (32 - n)) : 0;
    }
    o->net.s_addr &= o->mask.s_addr;
    return 0;
}

static int parse_prefix6(NetdevOpts *o, const char *v, char *err,
                         size_t errlen)
{
    const char *slash = strchr(v, '/');
    char *addr = slash ? g_strndup(v, slash - v) : g_strdup(v);
    bool ok = inet_pton(AF_INET6, addr, &o->prefix6) == 1;
    g_free(addr);
    if (!ok)
        FAIL("Failed to parse IPv6 prefix");
    if (slash) {
        char *end;
        errno = 0;
        long n = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end || errno)
            FAIL("Failed to parse IPv6 prefix");
        if (n < 0 || n > 126)
            FAIL("Invalid IPv6 prefix provided (IPv6 prefix length must "
                 "be between 0 and 126)");
        o->prefix6_len = (int)n;
    }
    return 0;
}

static bool in6_in_prefix(const struct in6_addr *a, const struct in6_addr *p,
                          int len)
{
    for (int i = 0; i < 16 && len > 0; i++, len -= 8) {
        uint8_t m = len >= 8 ? 0xff : (uint8_t)(0xff << (8 - len));
        if ((a->s6_addr[i] & m) != (p->s6_addr[i] & m))
            return false;
    }
    return true;
}

static const char *const user_keys[] = {
    "id", "ipv4", "ipv6", "net", "host", "ipv6-net", "ipv6-prefix",
    "ipv6-prefixlen", "ipv6-host", "restrict", "hostname", "dhcpstart",
    "dns", "ipv6-dns", "dnssearch", "domainname", "tftp",
    "tftp-server-name", "bootfile", "hostfwd", "guestfwd", "smb",
    "smbserver", NULL};

static bool known_key(const char *k, bool nic)
{
    for (const char *const *n = user_keys; *n; n++)
        if (!strcmp(*n, k))
            return true;
    return nic && (!strcmp(k, "mac") || !strcmp(k, "model"));
}

static void opts_init(NetdevOpts *o)
{
    memset(o, 0, sizeof(*o));
    o->ipv4 = o->ipv6 = true;
    o->dnssearch = g_ptr_array_new_with_free_func(g_free);
    o->hostfwd = g_ptr_array_new_with_free_func(hostfwd_free);
    o->guestfwd = g_ptr_array_new_with_free_func(guestfwd_free);
    inet_aton("10.0.2.0", &o->net);
    inet_aton("255.255.255.0", &o->mask);
    inet_pton(AF_INET6, "fec0::", &o->prefix6);
    o->prefix6_len = 64;
}

/* The values of one key=value item; 0 or -1 with err. */
static int set_key(NetdevOpts *o, const char *k, const char *v, bool *seen,
                   char *err, size_t errlen)
{
    bool b;
    enum { S_HOST, S_DHCP, S_DNS, S_HOST6, S_DNS6, S_MASK };
    if (!strcmp(k, "ipv4") || !strcmp(k, "ipv6") || !strcmp(k, "restrict")) {
        if (!parse_bool(v, &b))
            FAIL("Parameter '%s' expects 'on' or 'off'", k);
        if (k[0] == 'r')
            o->restricted = b;
        else if (k[3] == '4')
            o->ipv4 = b;
        else
            o->ipv6 = b;
    } else if (!strcmp(k, "id")) {
        if (!is_identifier(v))
            FAIL("Parameter 'id' expects an identifier\nIdentifiers consist "
                 "of letters, digits, '-', '.', '_', starting with a letter.");
        g_free(o->id);
        o->id = g_strdup(v);
    } else if (!strcmp(k, "net")) {
        return parse_net(o, v, err, errlen);
    } else if (!strcmp(k, "host")) {
        if (!inet_aton(v, &o->host))
            FAIL("Failed to parse host");
        seen[S_HOST] = true;
    } else if (!strcmp(k, "dhcpstart")) {
        if (!inet_aton(v, &o->dhcp_start))
            FAIL("Failed to parse DHCP start address");
        seen[S_DHCP] = true;
    } else if (!strcmp(k, "dns")) {
        if (!inet_aton(v, &o->dns))
            FAIL("Failed to parse DNS");
        seen[S_DNS] = true;
    } else if (!strcmp(k, "ipv6-net") || !strcmp(k, "ipv6-prefix")) {
        return parse_prefix6(o, v, err, errlen);
    } else if (!strcmp(k, "ipv6-prefixlen")) {
        char *end;
        errno = 0;
        long n = strtol(v, &end, 10);
        if (end == v || *end || errno)
            FAIL("Parameter 'ipv6-prefixlen' expects a number");
        if (n < 0 || n > 126)
            FAIL("Invalid IPv6 prefix provided (IPv6 prefix length must "
                 "be between 0 and 126)");
        o->prefix6_len = (int)n;
    } else if (!strcmp(k, "ipv6-host")) {
        if (inet_pton(AF_INET6, v, &o->host6) != 1)
            FAIL("Failed to parse IPv6 host");
        seen[S_HOST6] = true;
    } else if (!strcmp(k, "ipv6-dns")) {
        if (inet_pton(AF_INET6, v, &o->dns6) != 1)
            FAIL("Failed to parse IPv6 DNS");
        seen[S_DNS6] = true;
    } else if (!strcmp(k, "hostname")) {
        g_free(o->hostname);
        o->hostname = g_strdup(v);
    } else if (!strcmp(k, "domainname")) {
        g_free(o->domainname);
        o->domainname = g_strdup(v);
    } else if (!strcmp(k, "dnssearch")) {
        g_ptr_array_add(o->dnssearch, g_strdup(v));
    } else if (!strcmp(k, "tftp")) {
        g_free(o->tftp);
        o->tftp = g_strdup(v);
    } else if (!strcmp(k, "tftp-server-name")) {
        g_free(o->tftp_server_name);
        o->tftp_server_name = g_strdup(v);
    } else if (!strcmp(k, "bootfile")) {
        g_free(o->bootfile);
        o->bootfile = g_strdup(v);
    } else if (!strcmp(k, "hostfwd")) {
        return parse_hostfwd(o, v, err, errlen);
    } else if (!strcmp(k, "guestfwd")) {
        return parse_guestfwd(o, v, err, errlen);
    } else if (!strcmp(k, "smb") || !strcmp(k, "smbserver")) {
        FAIL("Parameter '%s': SMB shares are not supported (use hostfwd or "
             "guestfwd)", k);
    } else if (!strcmp(k, "mac")) {
        if (!netopts_parse_mac(v, o->mac))
            FAIL("invalid syntax for ethernet address");
        if (o->mac[0] & 1)
            FAIL("NIC cannot have multicast MAC address");
        o->mac_given = true;
    } else if (!strcmp(k, "model")) {
        g_free(o->model);
        o->model = g_strdup(v);
    }
    return 0;
}

/* The checks QEMU makes once every key is read. */
static int check_user(NetdevOpts *o, const bool *seen, char *err,
                      size_t errlen)
{
    uint32_t net = ntohl(o->net.s_addr), mask = ntohl(o->mask.s_addr);
    if (!o->ipv4 && !o->ipv6)
        FAIL("IPv4 and IPv6 disabled");
    if (!seen[0])
        o->host.s_addr = htonl(net | (2 & ~mask));
    else if ((ntohl(o->host.s_addr) & mask) != net)
        FAIL("Host doesn't belong to network");
    if (!seen[2])
        o->dns.s_addr = htonl(net | (3 & ~mask));
    else if (o->dns.s_addr == o->host.s_addr)
        FAIL("DNS must be different from host");
    if (!seen[1])
        o->dhcp_start.s_addr = htonl(net | (15 & ~mask));
    else if ((ntohl(o->dhcp_start.s_addr) & mask) != net)
        FAIL("DHCP doesn't belong to network");
    else if (o->dhcp_start.s_addr == o->host.s_addr ||
             o->dhcp_start.s_addr == o->dns.s_addr)
        FAIL("DHCP must be different from host and DNS");
    if (!seen[3]) {
        o->host6 = o->prefix6;
        o->host6.s6_addr[15] |= 2;
    } else if (!in6_in_prefix(&o->host6, &o->prefix6, o->prefix6_len)) {
        FAIL("IPv6 Host doesn't belong to network");
    }
    if (!seen[4]) {
        o->dns6 = o->prefix6;
        o->dns6.s6_addr[15] |= 3;
    } else if (!in6_in_prefix(&o->dns6, &o->prefix6, o->prefix6_len)) {
        FAIL("IPv6 DNS doesn't belong to network");
    }
    for (guint i = 0; i < o->guestfwd->len; i++) {
        NetGuestFwd *f = o->guestfwd->pdata[i];
        if (f->addr.s_addr &&
            ((ntohl(f->addr.s_addr) & mask) != net ||
             f->addr.s_addr == o->host.s_addr ||
             f->addr.s_addr == o->dns.s_addr))
            FAIL("Conflicting/invalid host:port in guest forwarding rule '%s'",
                 f->rule);
    }
    return 0;
}

int netopts_parse(const char *text, bool nic, NetdevOpts *o, char *err,
                  size_t errlen)
{
    GPtrArray *items = util_split_opts(text);
    const char *type = NULL;
    bool seen[6] = {0};
    int r = 0;

    /* As QEMU: the first item is the type when a comma (even of a ",,")
     * comes before any '=' in the text. */
    bool implied = text[strcspn(text, "=,")] != '=';

    opts_init(o);
    for (guint i = 0; i < items->len && r == 0; i++) {
        char *it = items->pdata[i];
        char *eq = strchr(it, '=');
        if (implied && i == 0) {
            type = it;
            continue;
        }
        if (!eq && !*it && i == items->len - 1 && i > 0)
            continue; /* a trailing comma */
        const char *k = it, *v = "on";
        if (eq) {
            *eq = '\0';
            v = eq + 1;
        }
        if (!strcmp(k, "type")) {
            type = v;
            continue;
        }
        if (!known_key(k, nic)) {
            snprintf(err, errlen, "Invalid parameter '%s'", k);
            r = -1;
            break;
        }
        r = set_key(o, k, v, seen, err, errlen);
    }
    if (r == 0) {
        if (!type) {
            snprintf(err, errlen, "Parameter 'type' is missing");
            r = -1;
        } else if (!strcmp(type, "user")) {
            o->type = NET_TYPE_USER;
        } else if (nic && !strcmp(type, "none") && items->len == 1) {
            o->type = NET_TYPE_NONE;
        } else {
            snprintf(err, errlen, "Parameter 'type' does not accept value "
                     "'%s'", type);
            r = -1;
        }
    }
    if (r == 0 && !nic && !o->id) {
        snprintf(err, errlen, "Parameter 'id' is missing");
        r = -1;
    }
    if (r == 0 && o->type == NET_TYPE_USER)
        r = check_user(o, seen, err, errlen);
    g_ptr_array_free(items, TRUE);
    if (r < 0)
        netopts_free(o);
    return r;
}

void netopts_free(NetdevOpts *o)
{
    if (o->dnssearch)
        g_ptr_array_free(o->dnssearch, TRUE);
    if (o->hostfwd)
        g_ptr_array_free(o->hostfwd, TRUE);
    if (o->guestfwd)
        g_ptr_array_free(o->guestfwd, TRUE);
    g_free(o->id);
    g_free(o->hostname);
    g_free(o->domainname);
    g_free(o->tftp);
    g_free(o->tftp_server_name);
    g_free(o->bootfile);
    g_free(o->model);
    memset(o, 0, sizeof(*o));
}
