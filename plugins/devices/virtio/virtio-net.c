/* SPDX-License-Identifier: MIT */
/*
 * virtio-net-device: an Ethernet NIC (virtio 1.2, 5.1) on a host network
 * backend (-netdev user,id=ID; property netdev=ID). Queue 0 receives,
 * queue 1 transmits; every buffer starts with the 12-byte virtio 1.x
 * net header. Features: MAC (config space mac), STATUS (link up); no
 * checksum offload, no GSO, no mergeable buffers, so each received frame
 * goes into one chain and each chain to transmit is one frame.
 *
 * Flow control: a frame is taken from the backend only while the receive
 * queue has a buffer; otherwise the core holds it (and stops reading the
 * host) until the driver adds buffers (tessera_net_rx_ready on a kick of
 * queue 0), so nothing is dropped when the guest is slow.
 */
#include <string.h>

#include <tessera/device.h>
#include <tessera/net.h>

#include "virtio.h"

#define NET_QUEUE_SIZE 256
#define NET_RXQ 0
#define NET_TXQ 1

/* Feature bits (5.1.3). */
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_STATUS 16

#define VIRTIO_NET_S_LINK_UP 1

/* struct virtio_net_hdr of virtio 1.x: flags, gso_type, hdr_len, gso_size,
 * csum_start, csum_offset, num_buffers (all little-endian). */
#define NET_HDR_LEN 12
#define NET_HDR_GSO_NONE 0

/* Config space: mac[6], status (le16). */
#define NET_CFG_MAC 0
#define NET_CFG_STATUS 6
#define NET_CFG_LEN 8

typedef struct VirtioNet {
    VirtioDev vdev;
    TesseraNetClient *nc;
    uint8_t mac[6];
    uint8_t frame[NET_HDR_LEN + TESSERA_NET_MAX_FRAME];
} VirtioNet;

/* ---------------------------------------------------------------------- */
/* Receive (backend -> guest)                                              */

static bool net_can_receive(void *opaque)
{
    VirtioNet *s = opaque;
    return virtq_has_work(&s->vdev, NET_RXQ);
}

static bool net_receive(void *opaque, const uint8_t *frame, size_t len)
{
    VirtioNet *s = opaque;
    VirtioDev *vdev = &s->vdev;
    VirtqElem e;
    uint8_t hdr[NET_HDR_LEN] = {0};

    int r = virtq_pop(vdev, NET_RXQ, &e);
    if (r == 0)
        return false; /* no buffer after all: the core keeps the frame */
    if (r < 0)
        return true;  /* broken until the driver resets: drop */
    hdr[1] = NET_HDR_GSO_NONE;
    hdr[10] = 1; /* num_buffers */
    uint64_t room = e.in_len;
    if (room < NET_HDR_LEN + len) {
        tessera_log(TESSERA_LOG_GUEST_ERRORS,
                    "%s: receive buffer of %llu bytes for a %zu-byte frame "
                    "(and its %d-byte header): frame truncated\n",
                    tessera_dev_name(vdev->dev), (unsigned long long)room,
                    len, NET_HDR_LEN);
    }
    int64_t w = virtq_elem_write(vdev, &e, 0, hdr, NET_HDR_LEN);
    int64_t w2 = w == NET_HDR_LEN
                     ? virtq_elem_write(vdev, &e, NET_HDR_LEN, frame, len)
                     : 0;
    if (w >= 0 && w2 >= 0)
        virtq_push(vdev, &e, (uint32_t)(w + w2));
    virtq_elem_free(&e);
    virtq_notify(vdev, NET_RXQ);
    return true;
}

static const TesseraNetOps net_ops = {
    .can_receive = net_can_receive,
    .receive = net_receive,
};

/* ---------------------------------------------------------------------- */
/* Transmit (guest -> backend)                                             */

static void net_transmit(VirtioNet *s)
{
    VirtioDev *vdev = &s->vdev;
    VirtqElem e;
    bool pushed = false;
    int r;

    while ((r = virtq_pop(vdev, NET_TXQ, &e)) == 1) {
        uint64_t len = e.out_len;
        if (len < NET_HDR_LEN || len > sizeof(s->frame)) {
            tessera_log(TESSERA_LOG_GUEST_ERRORS,
                        "%s: transmit chain of %llu bytes (header %d, frame "
                        "at most %d): dropped\n",
                        tessera_dev_name(vdev->dev), (unsigned long long)len,
                        NET_HDR_LEN, TESSERA_NET_MAX_FRAME);
        } else {
            int64_t n = virtq_elem_read(vdev, &e, 0, s->frame, len);
            if (n < 0) {
                virtq_elem_free(&e);
                break;
            }
            /* No offloads were offered: the header carries nothing we
             * need (flags and gso_type are 0 from a correct driver). */
            if (n > NET_HDR_LEN)
                tessera_net_send(s->nc, s->frame + NET_HDR_LEN,
                                 (size_t)n - NET_HDR_LEN);
        }
        virtq_push(vdev, &e, 0);
        virtq_elem_free(&e);
        pushed = true;
    }
    if (pushed)
        virtq_notify(vdev, NET_TXQ);
}

static void net_notify(VirtioDev *vdev, unsigned q)
{
    VirtioNet *s = vdev->opaque;
    if (q == NET_TXQ)
        net_transmit(s);
    else if (q == NET_RXQ)
        tessera_net_rx_ready(s->nc); /* new buffers: take held frames */
}

static void net_status(VirtioDev *vdev, uint32_t status)
{
    VirtioNet *s = vdev->opaque;
    if (status & VIRTIO_STATUS_DRIVER_OK)
        tessera_net_rx_ready(s->nc);
}

static const VirtioDevOps net_vops = {
    .device_id = VIRTIO_ID_NET,
    .num_queues = 2,
    .queue_size = NET_QUEUE_SIZE,
    .features = (1ull << VIRTIO_NET_F_MAC) | (1ull << VIRTIO_NET_F_STATUS),
    .config_len = NET_CFG_LEN,
    .notify = net_notify,
    .status = net_status,
};

/* ---------------------------------------------------------------------- */
/* The device                                                              */

static int net_realize(TesseraDevice *dev, void *state)
{
    VirtioNet *s = state;
    const char *id = tessera_dev_prop_str(dev, "netdev");
    s->nc = tessera_net_attach(dev, "netdev", &net_ops, s);
    if (!s->nc && id && *id)
        return -1;
    if (tessera_net_mac(dev, "mac", s->mac) < 0)
        return -1;
    if (virtio_init(&s->vdev, dev, &net_vops, s) < 0)
        return -1;
    memcpy(s->vdev.config + NET_CFG_MAC, s->mac, 6);
    virtio_config_set16(&s->vdev, NET_CFG_STATUS, VIRTIO_NET_S_LINK_UP);
    return 0;
}

static void net_dev_reset(TesseraDevice *dev, void *state)
{
    VirtioNet *s = state;
    virtio_reset(&s->vdev);
}

static int net_fdt(TesseraDevice *dev, void *state, void *fdt, int parent)
{
    VirtioNet *s = state;
    return virtio_fdt_node(&s->vdev, fdt, parent);
}

static const TesseraProp net_props[] = {
    VIRTIO_MMIO_PROPS,
    {"netdev", TESSERA_PROP_STRING, "",
     "network backend (-netdev user,id=ID); empty: not connected"},
    {"mac", TESSERA_PROP_STRING, "",
     "MAC address; empty: 52:54:00:12:34:56, then :57... per NIC"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass net_class = {
    .name = "virtio-net-device",
    .description = "virtio network card (virtio-mmio)",
    .props = net_props,
    .state_size = sizeof(VirtioNet),
    .realize = net_realize,
    .reset = net_dev_reset,
    .fdt_node = net_fdt,
    .mmio_help = "0x1000 bytes at base (virtio-mmio version 2)",
    .slot_type = "virtio-mmio",
};

static int net_init(void)
{
    return tessera_register_device(&net_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "virtio-net-device", "0.1.0", net_init);
