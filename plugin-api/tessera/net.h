/* SPDX-License-Identifier: MIT */
/*
 * tessera/net.h - network devices (NICs) and their host backends.
 *
 * The core owns the host side of a network: backends made with
 * "-netdev user,id=ID,..." (user-mode networking through libslirp) or with
 * "-nic user,...". A NIC model declares a string property (by convention
 * "netdev") that names one, and a string property "mac" (empty = automatic),
 * then attaches in realize():
 *
 *     static const TesseraNetOps ops = {my_can_receive, my_receive};
 *     s->net = tessera_net_attach(dev, "netdev", &ops, s);
 *     tessera_net_mac(dev, "mac", s->mac);
 *
 * Frames are whole Ethernet frames without preamble or FCS (destination MAC
 * first), at most TESSERA_NET_MAX_FRAME bytes. Everything runs on the
 * machine's thread: receive() is called between instruction quanta or
 * while the CPUs sleep, never inside an MMIO callback unless the device
 * itself calls tessera_net_rx_ready() from one.
 *
 * Flow control: a frame for the device is offered only when can_receive()
 * says yes. When it says no, the core keeps the frame (and everything after
 * it, in order) and stops reading the backend's host sockets, so nothing is
 * dropped; the device calls tessera_net_rx_ready() once it can take frames
 * again (e.g. when the guest adds receive buffers).
 */
#ifndef TESSERA_NET_H
#define TESSERA_NET_H

#include <tessera/device.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The largest frame either side passes (a 64 KiB IP packet + Ethernet). */
#define TESSERA_NET_MAX_FRAME 65550

typedef struct TesseraNetClient TesseraNetClient; /* a NIC's end of a netdev */

typedef struct TesseraNetOps {
    /** True when receive() would take a frame now. */
    bool (*can_receive)(void *opaque);
    /**
     * Takes one frame. Returns true when the frame was consumed (delivered
     * to the guest, or dropped on purpose, e.g. filtered out); false when
     * the device cannot take it after all: the core keeps it and offers it
     * again after tessera_net_rx_ready().
     */
    bool (*receive)(void *opaque, const uint8_t *frame, size_t len);
} TesseraNetOps;

/**
 * Connects the device to the netdev named by its string property prop.
 * An empty or unset property gives NULL without an error: a NIC with no
 * backend (its frames go nowhere, it never receives). Returns NULL after
 * an error message when the netdev does not exist or is already used by
 * another device; realize() then fails. Call from realize().
 */
TesseraNetClient *tessera_net_attach(TesseraDevice *dev, const char *prop,
                                     const TesseraNetOps *ops, void *opaque);

/**
 * Sends a frame from the guest to the backend (nc may be NULL: dropped).
 * Returns 0, or -1 when the frame is empty or longer than
 * TESSERA_NET_MAX_FRAME (dropped). Never blocks.
 */
int tessera_net_send(TesseraNetClient *nc, const uint8_t *frame, size_t len);

/**
 * Tells the core that can_receive() may have become true. Frames the core
 * holds are then offered (possibly before this returns) and the backend's
 * host sockets are read again.
 */
void tessera_net_rx_ready(TesseraNetClient *nc);

/**
 * The device's MAC address: the value of its string property prop
 * ("52:54:00:12:34:56"), or, when that is empty or unset, the MAC given
 * with -nic mac=, or else QEMU's default scheme: 52:54:00:12:34:56 for the
 * first NIC without an address, ...:57 for the second, and so on. An
 * invalid or multicast address is an error message and -1; else 0.
 */
int tessera_net_mac(TesseraDevice *dev, const char *prop, uint8_t mac[6]);

/** The netdev's id ("n0"), or NULL for a NULL client (for messages). */
const char *tessera_net_id(TesseraNetClient *nc);

#ifdef __cplusplus
}
#endif

#endif
