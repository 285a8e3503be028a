/* SPDX-License-Identifier: MIT */
/* -netdev / -nic option strings, read and checked as QEMU reads them
 * (messages from qemu-system-riscv64 7.2 where it has them). */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <string.h>

#include "kernel/netopts.h"
#include "tests/unit/unit.h"

static char err[512];

static bool ok(const char *s, bool nic, NetdevOpts *o)
{
    err[0] = '\0';
    return netopts_parse(s, nic, o, err, sizeof(err)) == 0;
}

/* Fails with a message containing why. */
static bool bad(const char *s, bool nic, const char *why)
{
    NetdevOpts o;
    err[0] = '\0';
    if (netopts_parse(s, nic, &o, err, sizeof(err)) == 0) {
        netopts_free(&o);
        return false;
    }
    if (!strstr(err, why)) {
        printf("\n  '%s': got '%s', want '%s'\n", s, err, why);
        return false;
    }
    return true;
}

static bool ip_is(struct in_addr a, const char *want)
{
    return !strcmp(inet_ntoa(a), want);
}

static void test_defaults(void)
{
    NetdevOpts o;
    CU_ASSERT_TRUE_FATAL(ok("user,id=n0", false, &o));
    CU_ASSERT_EQUAL(o.type, NET_TYPE_USER);
    CU_ASSERT_STRING_EQUAL(o.id, "n0");
    CU_ASSERT_TRUE(o.ipv4 && o.ipv6 && !o.restricted);
    CU_ASSERT_TRUE(ip_is(o.net, "10.0.2.0"));
    CU_ASSERT_TRUE(ip_is(o.mask, "255.255.255.0"));
    CU_ASSERT_TRUE(ip_is(o.host, "10.0.2.2"));
    CU_ASSERT_TRUE(ip_is(o.dns, "10.0.2.3"));
    CU_ASSERT_TRUE(ip_is(o.dhcp_start, "10.0.2.15"));
    CU_ASSERT_EQUAL(o.prefix6_len, 64);
    CU_ASSERT_EQUAL(o.hostfwd->len, 0);
    netopts_free(&o);

    /* type= spelled out, and the host, DNS, DHCP from another network */
    CU_ASSERT_TRUE_FATAL(ok("id=x,type=user,net=192.168.76.0/255.255.255.0,"
                            "restrict=on", false, &o));
    CU_ASSERT_TRUE(o.restricted);
    CU_ASSERT_TRUE(ip_is(o.host, "192.168.76.2"));
    CU_ASSERT_TRUE(ip_is(o.dns, "192.168.76.3"));
    CU_ASSERT_TRUE(ip_is(o.dhcp_start, "192.168.76.15"));
    netopts_free(&o);
    CU_ASSERT_TRUE_FATAL(ok("user,id=x,net=10.0.0.1/8,restrict=yes", false,
                            &o));
    CU_ASSERT_TRUE(ip_is(o.net, "10.0.0.0"));
    CU_ASSERT_TRUE(ip_is(o.mask, "255.0.0.0"));
    CU_ASSERT_TRUE(o.restricted);
    netopts_free(&o);
}

static void test_hostfwd(void)
{
    NetdevOpts o;
    CU_ASSERT_TRUE_FATAL(ok("user,id=n,hostfwd=tcp::5555-:22,"
                            "hostfwd=udp:127.0.0.1:6000-10.0.2.15:53,"
                            "hostfwd=::0x10-:80", false, &o));
    CU_ASSERT_EQUAL_FATAL(o.hostfwd->len, 3);
    NetHostFwd *f = o.hostfwd->pdata[0];
    CU_ASSERT_FALSE(f->udp);
    CU_ASSERT_EQUAL(f->host_addr.s_addr, 0);
    CU_ASSERT_EQUAL(f->host_port, 5555);
    CU_ASSERT_EQUAL(f->guest_addr.s_addr, 0);
    CU_ASSERT_EQUAL(f->guest_port, 22);
    f = o.hostfwd->pdata[1];
    CU_ASSERT_TRUE(f->udp);
    CU_ASSERT_TRUE(ip_is(f->host_addr, "127.0.0.1"));
    CU_ASSERT_TRUE(ip_is(f->guest_addr, "10.0.2.15"));
    CU_ASSERT_EQUAL(f->guest_port, 53);
    f = o.hostfwd->pdata[2];
    CU_ASSERT_EQUAL(f->host_port, 16); /* strtol base 0, as QEMU */
    netopts_free(&o);

    CU_ASSERT_TRUE(bad("user,id=n,hostfwd=xyz", false,
                       "Invalid host forwarding rule 'xyz' (No : separators)"));
    CU_ASSERT_TRUE(bad("user,id=n,hostfwd=sctp::1-:2", false,
                       "(Bad protocol name)"));
    CU_ASSERT_TRUE(bad("user,id=n,hostfwd=TCP::1-:2", false,
                       "(Bad protocol name)"));
    CU_ASSERT_TRUE(bad("user,id=n,hostfwd=tcp:5561-:22", false,
                       "(Bad host address)"));
    CU_ASSERT_TRUE(bad("user,id=n,hostfwd=tcp:[::1]:5560-:22", false,
                       "(Bad host address)"));
    CU_ASSERT_TRUE(bad("user,id=n,hostfwd=tcp::5555", false,
                       "(Bad host port separator)"));
    CU_ASSERT_TRUE(bad("user,id=n,hostfwd=tcp::abc-:22", false,
                       "(Bad host port)"));
    CU_ASSERT_TRUE(bad("user,id=n,hostfwd=tcp::65536-:22", false,
                       "(Bad host port)"));
    CU_ASSERT_TRUE(bad("user,id=n,hostfwd=tcp::5559-10.0.2.16", false,
                       "(Missing guest address)"));
    CU_ASSERT_TRUE(bad("user,id=n,hostfwd=tcp::5559-10.0.2.x:22", false,
                       "(Bad guest address)"));
    CU_ASSERT_TRUE(bad("user,id=n,hostfwd=tcp::5556-:0", false,
                       "(Bad guest port)"));
    CU_ASSERT_TRUE(bad("user,id=n,hostfwd=tcp::5556-:99999", false,
                       "(Bad guest port)"));
    CU_ASSERT_TRUE(bad("user,id=n,hostfwd=tcp::5561-:22x", false,
                       "(Bad guest port)"));
}

static void test_guestfwd(void)
{
    NetdevOpts o;
    CU_ASSERT_TRUE_FATAL(ok("user,id=n,guestfwd=tcp:10.0.2.100:1234-cmd:"
                            "nc -q0 localhost 80,,x,guestfwd=:10.0.2.101:80-"
                            "tcp:127.0.0.1:8080", false, &o));
    CU_ASSERT_EQUAL_FATAL(o.guestfwd->len, 2);
    NetGuestFwd *g = o.guestfwd->pdata[0];
    CU_ASSERT_TRUE(ip_is(g->addr, "10.0.2.100"));
    CU_ASSERT_EQUAL(g->port, 1234);
    CU_ASSERT_STRING_EQUAL(g->cmd, "nc -q0 localhost 80,x"); /* ,, */
    CU_ASSERT_PTR_NULL(g->chardev);
    g = o.guestfwd->pdata[1];
    CU_ASSERT_PTR_NULL(g->cmd);
    CU_ASSERT_STRING_EQUAL(g->chardev, "tcp:127.0.0.1:8080");
    netopts_free(&o);
    CU_ASSERT_TRUE(bad("user,id=n,guestfwd=xx", false,
                       "Invalid guest forwarding rule 'xx'"));
    CU_ASSERT_TRUE(bad("user,id=n,guestfwd=udp:10.0.2.100:1234-cmd:cat",
                       false, "Invalid guest forwarding rule"));
    CU_ASSERT_TRUE(bad("user,id=n,guestfwd=tcp:10.0.2.100:0-cmd:cat",
                       false, "Invalid guest forwarding rule"));
    CU_ASSERT_TRUE(bad("user,id=n,guestfwd=tcp:10.0.2.100:1234", false,
                       "Invalid guest forwarding rule"));
    CU_ASSERT_TRUE(bad("user,id=n,guestfwd=tcp:1.2.3.4:1234-cmd:cat",
                       false, "Conflicting/invalid host:port in guest "
                       "forwarding rule 'tcp:1.2.3.4:1234-cmd:cat'"));
}

static void test_errors(void)
{
    CU_ASSERT_TRUE(bad("user", false, "Parameter 'id' is missing"));
    CU_ASSERT_TRUE(bad("id=n", false, "Parameter 'type' is missing"));
    CU_ASSERT_TRUE(bad("foo,id=n", false,
                       "Parameter 'type' does not accept value 'foo'"));
    CU_ASSERT_TRUE(bad(",id=n", false,
                       "Parameter 'type' does not accept value ''"));
    CU_ASSERT_TRUE(bad("user,,id=n", false,
                       "Parameter 'type' does not accept value 'user,id=n'"));
    CU_ASSERT_TRUE(bad("none", false, "does not accept value 'none'"));
    CU_ASSERT_TRUE(bad("user,id=n,bogus=1", false,
                       "Invalid parameter 'bogus'"));
    CU_ASSERT_TRUE(bad("user,id=n,mac=52:54:00:12:34:56", false,
                       "Invalid parameter 'mac'"));
    CU_ASSERT_TRUE(bad("user,id=1n", false,
                       "Parameter 'id' expects an identifier"));
    CU_ASSERT_TRUE(bad("user,id=n,,x", false,
                       "Parameter 'id' expects an identifier"));
    CU_ASSERT_TRUE(bad("user,id=n,restrict=maybe", false,
                       "Parameter 'restrict' expects 'on' or 'off'"));
    CU_ASSERT_TRUE(bad("user,id=n,ipv4=off,ipv6=off", false,
                       "IPv4 and IPv6 disabled"));
    CU_ASSERT_TRUE(bad("user,id=n,net=10.0.2.0/33", false,
                       "Invalid netmask provided (must be in range 4-32)"));
    CU_ASSERT_TRUE(bad("user,id=n,net=10.0.0.0/3", false,
                       "Invalid netmask provided"));
    CU_ASSERT_TRUE(bad("user,id=n,net=abc", false, "Failed to parse netmask"));
    CU_ASSERT_TRUE(bad("user,id=n,net=10.0.2.0/24x", false,
                       "Failed to parse netmask (trailing chars)"));
    CU_ASSERT_TRUE(bad("user,id=n,host=abc", false, "Failed to parse host"));
    CU_ASSERT_TRUE(bad("user,id=n,host=10.0.3.2", false,
                       "Host doesn't belong to network"));
    CU_ASSERT_TRUE(bad("user,id=n,dns=abc", false, "Failed to parse DNS"));
    CU_ASSERT_TRUE(bad("user,id=n,dns=10.0.2.2", false,
                       "DNS must be different from host"));
    CU_ASSERT_TRUE(bad("user,id=n,dhcpstart=abc", false,
                       "Failed to parse DHCP start address"));
    CU_ASSERT_TRUE(bad("user,id=n,dhcpstart=1.2.3.4", false,
                       "DHCP doesn't belong to network"));
    CU_ASSERT_TRUE(bad("user,id=n,dhcpstart=10.0.2.2", false,
                       "DHCP must be different from host and DNS"));
    CU_ASSERT_TRUE(bad("user,id=n,ipv6-net=zz", false,
                       "Failed to parse IPv6 prefix"));
    CU_ASSERT_TRUE(bad("user,id=n,ipv6-net=fec0::/200", false,
                       "IPv6 prefix length must be between 0 and 126"));
    CU_ASSERT_TRUE(bad("user,id=n,ipv6-host=zz", false,
                       "Failed to parse IPv6 host"));
    CU_ASSERT_TRUE(bad("user,id=n,ipv6-host=fec1::2", false,
                       "IPv6 Host doesn't belong to network"));
    CU_ASSERT_TRUE(bad("user,id=n,ipv6-dns=zz", false,
                       "Failed to parse IPv6 DNS"));
    CU_ASSERT_TRUE(bad("user,id=n,smb=/tmp", false, "not supported"));
}

static void test_nic(void)
{
    NetdevOpts o;
    CU_ASSERT_TRUE_FATAL(ok("user", true, &o));
    CU_ASSERT_PTR_NULL(o.id);
    CU_ASSERT_FALSE(o.mac_given);
    CU_ASSERT_PTR_NULL(o.model);
    netopts_free(&o);
    CU_ASSERT_TRUE_FATAL(ok("user,id=u,mac=52:54:00:AB:cd:0e,model=virtio-"
                            "net-device,hostfwd=tcp::2222-:22", true, &o));
    CU_ASSERT_STRING_EQUAL(o.id, "u");
    CU_ASSERT_TRUE(o.mac_given);
    static const uint8_t mac[6] = {0x52, 0x54, 0, 0xab, 0xcd, 0x0e};
    CU_ASSERT_EQUAL(memcmp(o.mac, mac, 6), 0);
    CU_ASSERT_STRING_EQUAL(o.model, "virtio-net-device");
    CU_ASSERT_EQUAL(o.hostfwd->len, 1);
    netopts_free(&o);
    CU_ASSERT_TRUE_FATAL(ok("none", true, &o));
    CU_ASSERT_EQUAL(o.type, NET_TYPE_NONE);
    netopts_free(&o);
    CU_ASSERT_TRUE(bad("none,id=x", true, "does not accept value 'none'"));
    CU_ASSERT_TRUE(bad("foo", true, "Parameter 'type' does not accept value "
                       "'foo'"));
    CU_ASSERT_TRUE(bad("user,xyz=1", true, "Invalid parameter 'xyz'"));
    CU_ASSERT_TRUE(bad("user,mac=52:54:00:12:34", true,
                       "invalid syntax for ethernet address"));
    CU_ASSERT_TRUE(bad("user,mac=52:54:00:12:34:56:78", true,
                       "invalid syntax for ethernet address"));
    CU_ASSERT_TRUE(bad("user,mac=01:54:00:12:34:56", true,
                       "NIC cannot have multicast MAC address"));
}

int main(void)
{
    static const UnitTest tests[] = {
        {"defaults and networks", test_defaults},
        {"hostfwd rules", test_hostfwd},
        {"guestfwd rules", test_guestfwd},
        {"errors as QEMU's", test_errors},
        {"-nic", test_nic},
    };
    return UNIT_RUN("netopts", tests);
}
