/* SPDX-License-Identifier: MIT */
/*
 * Virtio 1.x over virtio-mmio (register layout version 2) with split
 * virtqueues: the transport and virtqueue code that every virtio device
 * plugin links in (libtool convenience library libvirtio.la, built
 * -fvisibility=hidden into each .so, so plugins share code, not state).
 * It uses only the public plugin API (<tessera/device.h>), so it names no
 * ISA and no board; see docs/design.md "Virtio".
 *
 * A device model (virtio-blk-device, virtio-rng-device, ...):
 *  - declares VIRTIO_MMIO_PROPS among its properties (base, irq: the
 *    slot it takes, see TesseraDeviceClass.slot_type = "virtio-mmio");
 *  - embeds a VirtioDev in its state and calls virtio_init() from
 *    realize() with its VirtioDevOps, and virtio_fdt_node() /
 *    virtio_reset() / virtio_finalize() from its class callbacks;
 *  - fills vdev->config (its configuration space, little-endian) and
 *    calls virtio_config_changed() when the device changes it;
 *  - in ops->notify(vdev, q), takes requests with virtq_pop(), reads and
 *    writes their buffers with virtq_elem_read()/virtq_elem_write(),
 *    returns them with virtq_push(), then calls virtq_notify() (interrupt,
 *    suppressed as the driver asked: VIRTQ_AVAIL_F_NO_INTERRUPT or the
 *    event index).
 *
 * Guest input is never trusted. virtq_pop() copies a whole descriptor
 * chain out of guest memory before the device sees it and checks it:
 * head and next indices below the queue size, at most queue-size
 * descriptors in a chain (counting an indirect table's, so loops end),
 * indirect tables only when negotiated, not nested, a multiple of 16
 * bytes, no NEXT beside INDIRECT, device-writable buffers after the
 * readable ones, every buffer inside guest RAM (tessera_dma_valid), total
 * lengths below 4 GiB, and an avail index at most queue-size ahead. A
 * chain that fails any of these puts the device in DEVICE_NEEDS_RESET
 * (status bit 0x40, a configuration-change interrupt when the driver is
 * running) and the queue stops until the driver resets the device, as
 * the specification (2.1.2) says. Guest memory is touched only through
 * tessera_dma_read/write, so nothing outside guest RAM is ever reached.
 *
 * Threads: all of this runs on the machine thread. A device with a worker
 * thread pops on the machine thread, hands copies to the worker and
 * pushes from a bottom half (tessera_bh_new).
 */
#ifndef PLUGINS_DEVICES_VIRTIO_H
#define PLUGINS_DEVICES_VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tessera/device.h>

/* Feature bits (virtio 1.2, chapter 6). */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_ACCESS_PLATFORM 33

/* Device status bits. */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED 128

/* Descriptor flags and ring flags. */
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY 1

/* Device IDs. */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG 4

#define VIRTIO_MAX_QUEUES 8
#define VIRTIO_QUEUE_MAX 1024   /* largest queue a device may offer */
#define VIRTIO_CONFIG_MAX 256   /* bytes of device configuration space */
#define VIRTIO_MMIO_SIZE 0x1000

/* The properties of the virtio-mmio slot a device takes; put it first in
 * the device's TesseraProp array. */
#define VIRTIO_MMIO_PROPS                                                  \
    {"base", TESSERA_PROP_U64, NULL, "MMIO base (the virtio-mmio slot's)"}, \
    {"irq", TESSERA_PROP_IRQ, "", "interrupt output (the slot's)"},         \
    {"version", TESSERA_PROP_U64, "2",                                      \
     "virtio-mmio register layout (only 2, virtio 1.x, is implemented)"}

typedef struct VirtioDev VirtioDev;

/* One buffer of a chain: guest-physical address and length. */
typedef struct VirtqSeg {
    uint64_t addr;
    uint32_t len;
} VirtqSeg;

/*
 * A request taken from a queue: the descriptor chain's buffers, the
 * device-readable ones (out) first, then the device-writable ones (in).
 * The segments are copies; the guest may change its descriptors
 * afterwards without effect. Free with virtq_elem_free() (virtq_push()
 * does not free).
 */
typedef struct VirtqElem {
    uint16_t head;     /* descriptor index returned in the used ring */
    unsigned queue;    /* queue it came from */
    unsigned n_out, n_in;
    uint64_t out_len, in_len; /* sums of the segment lengths */
    VirtqSeg *seg;     /* n_out + n_in entries */
} VirtqElem;

/* One split virtqueue as the driver configured it. */
typedef struct Virtq {
    uint16_t num_max;  /* offered (QueueNumMax) */
    uint16_t num;      /* chosen by the driver (a power of 2, <= num_max) */
    bool ready;
    uint64_t desc, avail, used;
    uint16_t last_avail; /* next avail ring entry to take */
    uint16_t used_idx;   /* next used ring entry to fill */
    uint16_t signalled_used; /* used_idx at the last interrupt (event idx) */
    bool signalled_valid;
    unsigned inflight;   /* popped and not pushed yet */
} Virtq;

typedef struct VirtioDevOps {
    uint32_t device_id;
    unsigned num_queues;
    uint16_t queue_size; /* QueueNumMax of every queue (<= VIRTIO_QUEUE_MAX) */
    uint64_t features;   /* device-specific bits; the transport adds
                            VERSION_1, INDIRECT_DESC and EVENT_IDX */
    unsigned config_len; /* bytes of vdev->config the driver sees */
    /* The driver kicked queue q (QueueNotify), or a queue may have work
     * again. May be NULL. */
    void (*notify)(VirtioDev *vdev, unsigned q);
    /* The driver wrote config bytes [off, off + size) (already stored in
     * vdev->config). May be NULL (config read-only; writes are dropped). */
    void (*config_write)(VirtioDev *vdev, unsigned off, unsigned size);
    /* Device reset (status 0 or machine reset): drop in-flight work. The
     * transport has already cleared its own state. May be NULL. */
    void (*reset)(VirtioDev *vdev);
    /* Status changed (e.g. DRIVER_OK set: start receiving). May be NULL. */
    void (*status)(VirtioDev *vdev, uint32_t status);
    /* Features accepted (FEATURES_OK): may refuse a combination by
     * returning false. May be NULL. */
    bool (*features_ok)(VirtioDev *vdev, uint64_t features);
} VirtioDevOps;

struct VirtioDev {
    TesseraDevice *dev;
    const VirtioDevOps *ops;
    void *opaque;        /* the device model's state */
    uint64_t base;
    TesseraIrq *irq;
    /* Transport registers. */
    uint64_t host_features;
    uint64_t guest_features;
    uint32_t dev_features_sel, drv_features_sel;
    uint32_t queue_sel;
    uint32_t status;
    uint32_t isr;        /* InterruptStatus: 1 used buffer, 2 config */
    uint32_t config_generation;
    bool broken;         /* NEEDS_RESET: queues stop */
    Virtq vq[VIRTIO_MAX_QUEUES];
    uint8_t config[VIRTIO_CONFIG_MAX];
};

/* Transport ---------------------------------------------------------- */

/*
 * Sets up the transport from the device's base/irq/version properties and
 * maps its registers. opaque is the device model's state (vdev->opaque).
 * Returns 0 or -1 after an error message.
 */
int virtio_init(VirtioDev *vdev, TesseraDevice *dev, const VirtioDevOps *ops,
                void *opaque);
/* The device-tree node: virtio_mmio@BASE, compatible "virtio,mmio", reg,
 * interrupts and interrupt-parent (what the board wired). */
int virtio_fdt_node(VirtioDev *vdev, void *fdt, int parent);
/* Machine reset: as the driver writing status 0. It also looks up the
 * interrupt line, which the core wires after realize(), so a model must
 * call it from its class reset() before the machine runs. */
void virtio_reset(VirtioDev *vdev);
/* The driver negotiated feature bit. */
bool virtio_has_feature(const VirtioDev *vdev, unsigned bit);
/* DRIVER_OK set, not broken: queues may be used. */
bool virtio_running(const VirtioDev *vdev);
/* The device changed its configuration space: generation++, interrupt. */
void virtio_config_changed(VirtioDev *vdev);
/*
 * Marks the device broken (DEVICE_NEEDS_RESET) after a malformed request;
 * why goes to the guest_errors log with the device's name. Queues stop
 * until the driver resets the device.
 */
void virtio_error(VirtioDev *vdev, const char *why);
/* The MMIO callbacks (exported for the fuzz target and for tests). */
uint64_t virtio_mmio_read(void *opaque, uint64_t offset, unsigned size);
void virtio_mmio_write(void *opaque, uint64_t offset, uint64_t value,
                       unsigned size);

/* Little-endian config-space helpers. */
void virtio_config_set16(VirtioDev *vdev, unsigned off, uint16_t v);
void virtio_config_set32(VirtioDev *vdev, unsigned off, uint32_t v);
void virtio_config_set64(VirtioDev *vdev, unsigned off, uint64_t v);

/* Virtqueues --------------------------------------------------------- */

/*
 * Takes the next available chain of queue q into *e. Returns 1 when it
 * did, 0 when the queue is empty (or not ready, or the device is not
 * running), -1 when the chain is malformed (the device is now broken).
 */
int virtq_pop(VirtioDev *vdev, unsigned q, VirtqElem *e);
/* Copies from the chain's readable buffers, starting at offset off.
 * Returns the bytes copied (less when the buffers end), or -1 when guest
 * memory cannot be read (device broken). */
int64_t virtq_elem_read(VirtioDev *vdev, const VirtqElem *e, uint64_t off,
                        void *buf, uint64_t len);
/* Copies into the chain's writable buffers, starting at offset off. */
int64_t virtq_elem_write(VirtioDev *vdev, const VirtqElem *e, uint64_t off,
                         const void *buf, uint64_t len);
/* Returns a chain to the used ring with the bytes written into it. */
void virtq_push(VirtioDev *vdev, const VirtqElem *e, uint32_t written);
/* Interrupts the driver if it wants one for what was pushed since. */
void virtq_notify(VirtioDev *vdev, unsigned q);
/* True when queue q has chains available (and the device runs). */
bool virtq_has_work(VirtioDev *vdev, unsigned q);
/* Frees e's segments (e itself is the caller's). */
void virtq_elem_free(VirtqElem *e);

#endif
