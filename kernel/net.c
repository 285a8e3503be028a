/* SPDX-License-Identifier: MIT */
#include "kernel/net.h"

#include <glib.h>
#include <limits.h>
#include <slirp/libslirp.h>
#include <stdio.h>
#include <string.h>

#include <tessera/net.h>

#include "kernel/chardev.h"
#include "kernel/fdwatch.h"
#include "kernel/netopts.h"

/* Frames held for a NIC that cannot take them: beyond this, drop. The
 * backend stops reading its sockets as soon as one is held, so only
 * slirp's own timers (TCP acks, retransmissions) add to the queue. */
#define RXQ_MAX_FRAMES 4096

typedef struct NetDev NetDev;

struct TesseraNetClient {
    NetDev *nd;
    TesseraDevice *dev;
    TesseraNetOps ops;
    void *opaque;
};

typedef struct SlirpTimerWrap {
    NetDev *nd;
    TesseraTimer *t;
    SlirpTimerId id;
    SlirpTimerCb cb; /* the old-style timer_new callback, else NULL */
    void *cb_opaque;
} SlirpTimerWrap;

typedef struct GuestFwdChr {
    NetDev *nd;
    TesseraChardev *chr;
    struct in_addr addr;
    int port;
} GuestFwdChr;

struct NetDev {
    char *id;
    NetdevOpts opts;
    Slirp *slirp;
    TesseraNetClient *client;
    FdSource src;
    GQueue rxq;        /* GBytes for the NIC, in order */
    uint64_t dropped;
    unsigned delivered; /* frames given to the NIC (dispatch's result) */
    bool in_flush;
    GPtrArray *timers;   /* SlirpTimerWrap */
    GPtrArray *fwd_chrs; /* GuestFwdChr */
    /* -nic */
    bool from_nic;
};

typedef struct NicReq {
    NetDev *nd;
    char *model;
} NicReq;

static GPtrArray *netdevs;  /* NetDev */
static GPtrArray *nics;     /* NicReq */
static unsigned nic_anon;   /* ids of -nic without id= */
static unsigned mac_next;   /* QEMU's default MAC scheme: the next index */

static NetDev *netdev_find(const char *id)
{
    for (guint i = 0; netdevs && i < netdevs->len; i++) {
        NetDev *nd = netdevs->pdata[i];
        if (!strcmp(nd->id, id))
            return nd;
    }
    return NULL;
}

/* ---------------------------------------------------------------------- */
/* Frames to the NIC                                                       */

static bool nic_ready(NetDev *nd)
{
    TesseraNetClient *nc = nd->client;
    return nc && (!nc->ops.can_receive || nc->ops.can_receive(nc->opaque));
}

/* Offers held frames in order while the NIC takes them. */
static void rxq_flush(NetDev *nd)
{
    if (nd->in_flush)
        return;
    nd->in_flush = true;
    while (!g_queue_is_empty(&nd->rxq) && nic_ready(nd)) {
        GBytes *b = g_queue_peek_head(&nd->rxq);
        gsize len;
        const uint8_t *data = g_bytes_get_data(b, &len);
        if (!nd->client->ops.receive(nd->client->opaque, data, len))
            break;
        g_queue_pop_head(&nd->rxq);
        g_bytes_unref(b);
        nd->delivered++;
    }
    nd->in_flush = false;
}

static void deliver(NetDev *nd, const uint8_t *frame, size_t len)
{
    if (!nd->client)
        return; /* no NIC: the frame goes nowhere */
    if (g_queue_is_empty(&nd->rxq) && !nd->in_flush && nic_ready(nd)) {
        nd->in_flush = true;
        bool ok = nd->client->ops.receive(nd->client->opaque, frame, len);
        nd->in_flush = false;
        if (ok) {
            nd->delivered++;
            return;
        }
    }
    if (g_queue_get_length(&nd->rxq) >= RXQ_MAX_FRAMES) {
        if (!nd->dropped++)
            tessera_warn("netdev %s: the NIC takes no frames; dropping",
                         nd->id);
        return;
    }
    g_queue_push_tail(&nd->rxq, g_bytes_new(frame, len));
}

/* ---------------------------------------------------------------------- */
/* libslirp callbacks                                                      */

static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
    deliver(opaque, buf, len);
    return (ssize_t)len;
}

static void cb_guest_error(const char *msg, void *opaque)
{
    NetDev *nd = opaque;
    tessera_log(TESSERA_LOG_GUEST_ERRORS, "netdev %s: %s\n", nd->id, msg);
}

static int64_t cb_clock_get_ns(void *opaque)
{
    (void)opaque;
    return (int64_t)tessera_clock_ns();
}

static void timer_fire(void *opaque)
{
    SlirpTimerWrap *w = opaque;
    if (w->cb)
        w->cb(w->cb_opaque);
    else if (w->nd->slirp)
        slirp_handle_timer(w->nd->slirp, w->id, w->cb_opaque);
}

static SlirpTimerWrap *timer_wrap(NetDev *nd)
{
    SlirpTimerWrap *w = g_new0(SlirpTimerWrap, 1);
    w->nd = nd;
    w->t = tessera_timer_new(timer_fire, w);
    g_ptr_array_add(nd->timers, w);
    return w;
}

static void *cb_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
    SlirpTimerWrap *w = timer_wrap(opaque);
    w->cb = cb;
    w->cb_opaque = cb_opaque;
    return w;
}

static void *cb_timer_new_opaque(SlirpTimerId id, void *cb_opaque,
                                 void *opaque)
{
    SlirpTimerWrap *w = timer_wrap(opaque);
    w->id = id;
    w->cb_opaque = cb_opaque;
    return w;
}

static void timer_wrap_free(gpointer p)
{
    SlirpTimerWrap *w = p;
    tessera_timer_free(w->t);
    g_free(w);
}

static void cb_timer_free(void *timer, void *opaque)
{
    NetDev *nd = opaque;
    g_ptr_array_remove(nd->timers, timer); /* frees it */
}

static void cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
    (void)opaque;
    SlirpTimerWrap *w = timer;
    tessera_timer_mod(w->t, expire_ms < 0 ? 0 : (uint64_t)expire_ms * 1000000);
}

static void cb_register_poll_fd(int fd, void *opaque)
{
    (void)fd;
    (void)opaque;
}

static void cb_notify(void *opaque)
{
    /* The main loop asks slirp for descriptors before every poll. */
    (void)opaque;
}

static void cb_init_completed(Slirp *slirp, void *opaque)
{
    NetDev *nd = opaque;
    nd->slirp = slirp;
}

static const SlirpCb slirp_cbs = {
    .send_packet = cb_send_packet,
    .guest_error = cb_guest_error,
    .clock_get_ns = cb_clock_get_ns,
    .timer_new = cb_timer_new,
    .timer_free = cb_timer_free,
    .timer_mod = cb_timer_mod,
    .register_poll_fd = cb_register_poll_fd,
    .unregister_poll_fd = cb_register_poll_fd,
    .notify = cb_notify,
    .init_completed = cb_init_completed,
    .timer_new_opaque = cb_timer_new_opaque,
};

/* ---------------------------------------------------------------------- */
/* The main loop's view (kernel/fdwatch.h)                                 */

static bool nd_blocked(NetDev *nd)
{
    return !g_queue_is_empty(&nd->rxq);
}

static int add_poll(int fd, int events, void *opaque)
{
    NetDev *nd = opaque;
    short ev = 0;
    /* While the NIC cannot take frames, read nothing from the host. */
    if ((events & SLIRP_POLL_IN) && !nd_blocked(nd))
        ev |= POLLIN;
    if (events & SLIRP_POLL_OUT)
        ev |= POLLOUT;
    if ((events & SLIRP_POLL_PRI) && !nd_blocked(nd))
        ev |= POLLPRI;
    return fdwatch_add(fd, ev);
}

static int get_revents(int idx, void *opaque)
{
    (void)opaque;
    short r = fdwatch_revents(idx);
    int ev = 0;
    if (r & POLLIN)
        ev |= SLIRP_POLL_IN;
    if (r & POLLOUT)
        ev |= SLIRP_POLL_OUT;
    if (r & POLLPRI)
        ev |= SLIRP_POLL_PRI;
    if (r & (POLLERR | POLLNVAL))
        ev |= SLIRP_POLL_ERR;
    if (r & POLLHUP)
        ev |= SLIRP_POLL_HUP;
    return ev;
}

static void src_prepare(void *opaque, int *timeout_ms)
{
    NetDev *nd = opaque;
    uint32_t t = *timeout_ms < 0 ? UINT32_MAX : (uint32_t)*timeout_ms;
    slirp_pollfds_fill(nd->slirp, &t, add_poll, nd);
    *timeout_ms = t >= INT_MAX ? -1 : (int)t;
}

static bool src_dispatch(void *opaque, bool error)
{
    NetDev *nd = opaque;
    nd->delivered = 0;
    rxq_flush(nd);
    slirp_pollfds_poll(nd->slirp, error, get_revents, nd);
    return nd->delivered != 0;
}

/* ---------------------------------------------------------------------- */
/* guestfwd to a character backend                                         */

static ssize_t fwd_write(const void *buf, size_t len, void *opaque)
{
    GuestFwdChr *g = opaque;
    tessera_chr_write(g->chr, buf, len);
    return (ssize_t)len;
}

static int fwd_can_read(void *opaque)
{
    GuestFwdChr *g = opaque;
    size_t n = slirp_socket_can_recv(g->nd->slirp, g->addr, g->port);
    return n > INT_MAX ? INT_MAX : (int)n;
}

static void fwd_receive(void *opaque, const uint8_t *buf, size_t len)
{
    GuestFwdChr *g = opaque;
    slirp_socket_recv(g->nd->slirp, g->addr, g->port, buf, (int)len);
}

/* ---------------------------------------------------------------------- */
/* Creation                                                                */

static void netdev_free(NetDev *nd)
{
    if (nd->slirp) {
        fdwatch_unregister(&nd->src);
        slirp_cleanup(nd->slirp);
    }
    if (nd->timers)
        g_ptr_array_free(nd->timers, TRUE);
    if (nd->fwd_chrs)
        g_ptr_array_free(nd->fwd_chrs, TRUE);
    GBytes *b;
    while ((b = g_queue_pop_head(&nd->rxq)))
        g_bytes_unref(b);
    g_free(nd->client);
    netopts_free(&nd->opts);
    g_free(nd->id);
    g_free(nd);
}

static int slirp_start(NetDev *nd, const char *opt, const char *spec)
{
    NetdevOpts *o = &nd->opts;
    SlirpConfig cfg = {0};
    const char **search = NULL;

    cfg.version = 4;
    cfg.restricted = o->restricted;
    cfg.in_enabled = o->ipv4;
    cfg.vnetwork = o->net;
    cfg.vnetmask = o->mask;
    cfg.vhost = o->host;
    cfg.in6_enabled = o->ipv6;
    cfg.vprefix_addr6 = o->prefix6;
    cfg.vprefix_len = (uint8_t)o->prefix6_len;
    cfg.vhost6 = o->host6;
    cfg.vhostname = o->hostname;
    cfg.tftp_server_name = o->tftp_server_name;
    cfg.tftp_path = o->tftp;
    cfg.bootfile = o->bootfile;
    cfg.vdhcp_start = o->dhcp_start;
    cfg.vnameserver = o->dns;
    cfg.vnameserver6 = o->dns6;
    if (o->dnssearch->len) {
        search = g_new0(const char *, o->dnssearch->len + 1);
        for (guint i = 0; i < o->dnssearch->len; i++)
            search[i] = o->dnssearch->pdata[i];
        cfg.vdnssearch = search;
    }
    cfg.vdomainname = o->domainname;
    nd->timers = g_ptr_array_new_with_free_func(timer_wrap_free);
    nd->fwd_chrs = g_ptr_array_new_with_free_func(g_free);
    Slirp *s = slirp_new(&cfg, &slirp_cbs, nd);
    g_free(search);
    if (!s) {
        tessera_error("%s %s: could not start user-mode networking", opt,
                      spec);
        return -1;
    }
    nd->slirp = s;
    nd->src = (FdSource){src_prepare, src_dispatch, nd};
    fdwatch_register(&nd->src);

    for (guint i = 0; i < o->hostfwd->len; i++) {
        NetHostFwd *f = o->hostfwd->pdata[i];
        if (slirp_add_hostfwd(s, f->udp, f->host_addr, f->host_port,
                              f->guest_addr, f->guest_port) < 0) {
            tessera_error("%s %s: Could not set up host forwarding rule '%s'",
                          opt, spec, f->rule);
            return -1;
        }
    }
    for (guint i = 0; i < o->guestfwd->len; i++) {
        NetGuestFwd *f = o->guestfwd->pdata[i];
        struct in_addr addr = f->addr;
        if (f->cmd) {
            if (slirp_add_exec(s, f->cmd, &addr, f->port) < 0) {
                tessera_error("%s %s: Conflicting/invalid host:port in guest "
                              "forwarding rule '%s'", opt, spec, f->rule);
                return -1;
            }
            continue;
        }
        char err[512], id[64];
        snprintf(id, sizeof(id), "guestfwd.%s.%d", nd->id, f->port);
        TesseraChardev *chr = chardev_new(id, f->chardev, err, sizeof(err));
        if (!chr) {
            tessera_error("%s %s: '%s' is not a valid character backend "
                          "(%s)", opt, spec, f->chardev, err);
            return -1;
        }
        GuestFwdChr *g = g_new0(GuestFwdChr, 1);
        g->nd = nd;
        g->chr = chr;
        g->port = f->port;
        g_ptr_array_add(nd->fwd_chrs, g);
        if (slirp_add_guestfwd(s, fwd_write, g, &addr, f->port) < 0) {
            tessera_error("%s %s: Conflicting/invalid host:port in guest "
                          "forwarding rule '%s'", opt, spec, f->rule);
            return -1;
        }
        g->addr = addr;
        chardev_add_frontend(chr, fwd_can_read, fwd_receive, NULL, g);
    }
    return 0;
}

static NetDev *netdev_create(const char *opt, const char *spec, bool nic,
                             NetdevOpts *o)
{
    if (o->id && netdev_find(o->id)) {
        tessera_error("%s %s: Duplicate ID '%s'%s", opt, spec, o->id,
                      nic ? "" : " for netdev");
        netopts_free(o);
        return NULL;
    }
    NetDev *nd = g_new0(NetDev, 1);
    nd->opts = *o;
    nd->from_nic = nic;
    nd->id = o->id ? g_strdup(o->id) : g_strdup_printf("#nic%u", nic_anon++);
    g_queue_init(&nd->rxq);
    if (!netdevs)
        netdevs = g_ptr_array_new();
    g_ptr_array_add(netdevs, nd);
    if (slirp_start(nd, opt, spec) < 0) {
        g_ptr_array_remove(netdevs, nd);
        netdev_free(nd);
        return NULL;
    }
    return nd;
}

int net_add_netdev(const char *spec)
{
    NetdevOpts o;
    char err[512];
    if (netopts_parse(spec, false, &o, err, sizeof(err)) < 0) {
        tessera_error("-netdev %s: %s", spec, err);
        return -1;
    }
    return netdev_create("-netdev", spec, false, &o) ? 0 : -1;
}

int net_add_nic(const char *spec)
{
    NetdevOpts o;
    char err[512];
    if (netopts_parse(spec, true, &o, err, sizeof(err)) < 0) {
        tessera_error("-nic %s: %s", spec, err);
        return -1;
    }
    if (o.type == NET_TYPE_NONE) {
        netopts_free(&o);
        return 0;
    }
    char *model = g_strdup(o.model);
    NetDev *nd = netdev_create("-nic", spec, true, &o);
    if (!nd) {
        g_free(model);
        return -1;
    }
    NicReq *r = g_new0(NicReq, 1);
    r->nd = nd;
    r->model = model;
    if (!nics)
        nics = g_ptr_array_new();
    g_ptr_array_add(nics, r);
    return 0;
}

unsigned net_nic_count(void)
{
    return nics ? nics->len : 0;
}

const char *net_nic_model(unsigned i)
{
    return i < net_nic_count() ? ((NicReq *)nics->pdata[i])->model : NULL;
}

const char *net_nic_netdev(unsigned i)
{
    return i < net_nic_count() ? ((NicReq *)nics->pdata[i])->nd->id : NULL;
}

void net_print_netdev_help(void)
{
    printf("Available netdev backend types:\nuser\n");
}

void net_print_nic_help(const char *default_model)
{
    net_print_netdev_help();
    printf("\nNIC model: the board's default%s%s%s (any device type that "
           "takes a netdev property can be given with model=; -device help "
           "lists them)\n",
           default_model ? " is '" : "", default_model ? default_model : "",
           default_model ? "'" : " (this board has none)");
}

void net_check_peers(void)
{
    for (guint i = 0; netdevs && i < netdevs->len; i++) {
        NetDev *nd = netdevs->pdata[i];
        if (!nd->client)
            tessera_warn("netdev %s has no peer", nd->id);
    }
}

void net_cleanup(void)
{
    for (guint i = 0; netdevs && i < netdevs->len; i++)
        netdev_free(netdevs->pdata[i]);
    if (netdevs)
        g_ptr_array_free(netdevs, TRUE);
    netdevs = NULL;
    for (guint i = 0; nics && i < nics->len; i++) {
        NicReq *r = nics->pdata[i];
        g_free(r->model);
        g_free(r);
    }
    if (nics)
        g_ptr_array_free(nics, TRUE);
    nics = NULL;
    nic_anon = 0;
    mac_next = 0;
}

/* ---------------------------------------------------------------------- */
/* The device API (tessera/net.h)                                          */

TesseraNetClient *tessera_net_attach(TesseraDevice *dev, const char *prop,
                                     const TesseraNetOps *ops, void *opaque)
{
    const char *id = tessera_dev_prop_str(dev, prop);
    if (!id || !*id)
        return NULL;
    NetDev *nd = netdev_find(id);
    if (!nd) {
        tessera_error("[device %s] (%s): Property '%s.%s' can't find value "
                      "'%s' (define it with -netdev user,id=%s)",
                      tessera_dev_name(dev), tessera_dev_type(dev),
                      tessera_dev_type(dev), prop, id, id);
        return NULL;
    }
    if (nd->client) {
        tessera_error("[device %s] (%s): Property '%s.%s' can't take value "
                      "'%s', it's in use (by %s)",
                      tessera_dev_name(dev), tessera_dev_type(dev),
                      tessera_dev_type(dev), prop, id,
                      tessera_dev_name(nd->client->dev));
        return NULL;
    }
    TesseraNetClient *nc = g_new0(TesseraNetClient, 1);
    nc->nd = nd;
    nc->dev = dev;
    nc->ops = *ops;
    nc->opaque = opaque;
    nd->client = nc;
    return nc;
}

int tessera_net_send(TesseraNetClient *nc, const uint8_t *frame, size_t len)
{
    if (!len || len > TESSERA_NET_MAX_FRAME)
        return -1;
    if (!nc || !nc->nd->slirp)
        return 0;
    slirp_input(nc->nd->slirp, frame, (int)len);
    return 0;
}

void tessera_net_rx_ready(TesseraNetClient *nc)
{
    if (nc)
        rxq_flush(nc->nd);
}

const char *tessera_net_id(TesseraNetClient *nc)
{
    return nc ? nc->nd->id : NULL;
}

int tessera_net_mac(TesseraDevice *dev, const char *prop, uint8_t mac[6])
{
    const char *s = tessera_dev_prop_str(dev, prop);
    if (s && *s) {
        if (!netopts_parse_mac(s, mac)) {
            tessera_error("[device %s] (%s): Property '%s.%s' doesn't take "
                          "value '%s' (expected 6 hex bytes, e.g. "
                          "52:54:00:12:34:56)", tessera_dev_name(dev),
                          tessera_dev_type(dev), tessera_dev_type(dev), prop,
                          s);
            return -1;
        }
        if (mac[0] & 1) {
            tessera_error("[device %s] (%s): a NIC cannot have the multicast "
                          "MAC address %s", tessera_dev_name(dev),
                          tessera_dev_type(dev), s);
            return -1;
        }
        return 0;
    }
    for (guint i = 0; netdevs && i < netdevs->len; i++) {
        NetDev *nd = netdevs->pdata[i];
        if (nd->client && nd->client->dev == dev && nd->opts.mac_given) {
            memcpy(mac, nd->opts.mac, 6);
            return 0;
        }
    }
    static const uint8_t base[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    memcpy(mac, base, 6);
    mac[5] = (uint8_t)(base[5] + mac_next++);
    return 0;
}
