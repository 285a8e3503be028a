/* SPDX-License-Identifier: MIT */
/*
 * A minimal modern (virtio 1.x) virtio-mmio driver for the bare-metal
 * guest tests: device discovery in the virt board's slots, feature
 * negotiation, split queues, direct and indirect chains, polling for used
 * buffers. Polling is bounded, so a device that never answers makes the
 * test fail instead of hanging.
 */
#ifndef VIO_H
#define VIO_H

#include "rt.h"

#define VIO_SLOT0 0x10001000UL
#define VIO_NSLOTS 8

#define VIO_MAGIC 0x000
#define VIO_VERSION 0x004
#define VIO_DEVICE_ID 0x008
#define VIO_DEV_FEATURES 0x010
#define VIO_DEV_FEATURES_SEL 0x014
#define VIO_DRV_FEATURES 0x020
#define VIO_DRV_FEATURES_SEL 0x024
#define VIO_QUEUE_SEL 0x030
#define VIO_QUEUE_NUM_MAX 0x034
#define VIO_QUEUE_NUM 0x038
#define VIO_QUEUE_READY 0x044
#define VIO_QUEUE_NOTIFY 0x050
#define VIO_ISR 0x060
#define VIO_ISR_ACK 0x064
#define VIO_STATUS 0x070
#define VIO_QUEUE_DESC 0x080
#define VIO_QUEUE_DRIVER 0x090
#define VIO_QUEUE_DEVICE 0x0a0
#define VIO_CONFIG 0x100

#define VIO_S_ACK 1
#define VIO_S_DRIVER 2
#define VIO_S_DRIVER_OK 4
#define VIO_S_FEATURES_OK 8
#define VIO_S_NEEDS_RESET 64

#define VIO_F_INDIRECT 28
#define VIO_F_EVENT_IDX 29
#define VIO_F_VERSION_1 32

#define VQ_NEXT 1
#define VQ_WRITE 2
#define VQ_INDIRECT 4

#define VQ_MAX 16 /* queue size used by the tests */

struct vq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct vq_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[VQ_MAX];
    uint16_t used_event;
};

struct vq_used_elem {
    uint32_t id;
    uint32_t len;
};

struct vq_used {
    uint16_t flags;
    uint16_t idx;
    struct vq_used_elem ring[VQ_MAX];
    uint16_t avail_event;
};

struct vq {
    ulong base;
    unsigned q;
    struct vq_desc desc[VQ_MAX] __attribute__((aligned(16)));
    struct vq_avail avail __attribute__((aligned(4)));
    struct vq_used used __attribute__((aligned(8)));
    struct vq_desc indirect[VQ_MAX] __attribute__((aligned(16)));
    uint16_t last_used;
};

static inline uint32_t vio_r(ulong base, unsigned off)
{
    return *(volatile uint32_t *)(base + off);
}

static inline void vio_w(ulong base, unsigned off, uint32_t v)
{
    *(volatile uint32_t *)(base + off) = v;
}

static inline uint8_t vio_cfg8(ulong base, unsigned off)
{
    return *(volatile uint8_t *)(base + VIO_CONFIG + off);
}

static inline uint16_t vio_cfg16(ulong base, unsigned off)
{
    return *(volatile uint16_t *)(base + VIO_CONFIG + off);
}

static inline uint32_t vio_cfg32(ulong base, unsigned off)
{
    return *(volatile uint32_t *)(base + VIO_CONFIG + off);
}

static inline uint64_t vio_cfg64(ulong base, unsigned off)
{
    return vio_cfg32(base, off) | (uint64_t)vio_cfg32(base, off + 4) << 32;
}

/* The nth (0-based) slot holding device id, from the highest address
 * down (the order in which both emulators fill them); 0 if none. */
static inline ulong vio_find(uint32_t id, int nth)
{
    for (int i = VIO_NSLOTS - 1; i >= 0; i--) {
        ulong b = VIO_SLOT0 + 0x1000UL * i;
        if (vio_r(b, VIO_MAGIC) == 0x74726976u &&
            vio_r(b, VIO_VERSION) == 2 && vio_r(b, VIO_DEVICE_ID) == id &&
            nth-- == 0)
            return b;
    }
    return 0;
}

static inline uint64_t vio_dev_features(ulong base)
{
    vio_w(base, VIO_DEV_FEATURES_SEL, 0);
    uint64_t lo = vio_r(base, VIO_DEV_FEATURES);
    vio_w(base, VIO_DEV_FEATURES_SEL, 1);
    return lo | (uint64_t)vio_r(base, VIO_DEV_FEATURES) << 32;
}

/* Reset, ACK, DRIVER, features (want & offered), FEATURES_OK. Returns the
 * accepted features, or ~0 when the device refused them. */
static inline uint64_t vio_start(ulong base, uint64_t want)
{
    vio_w(base, VIO_STATUS, 0);
    vio_w(base, VIO_STATUS, VIO_S_ACK);
    vio_w(base, VIO_STATUS, VIO_S_ACK | VIO_S_DRIVER);
    uint64_t f = vio_dev_features(base) & want;
    vio_w(base, VIO_DRV_FEATURES_SEL, 0);
    vio_w(base, VIO_DRV_FEATURES, (uint32_t)f);
    vio_w(base, VIO_DRV_FEATURES_SEL, 1);
    vio_w(base, VIO_DRV_FEATURES, (uint32_t)(f >> 32));
    vio_w(base, VIO_STATUS, VIO_S_ACK | VIO_S_DRIVER | VIO_S_FEATURES_OK);
    if (!(vio_r(base, VIO_STATUS) & VIO_S_FEATURES_OK))
        return ~0ull;
    return f;
}

static inline void vio_driver_ok(ulong base)
{
    vio_w(base, VIO_STATUS, VIO_S_ACK | VIO_S_DRIVER | VIO_S_FEATURES_OK |
                                VIO_S_DRIVER_OK);
}

static inline void vio_w64(ulong base, unsigned off, uint64_t v)
{
    vio_w(base, off, (uint32_t)v);
    vio_w(base, off + 4, (uint32_t)(v >> 32));
}

/* Sets up queue q with VQ_MAX entries. 0, or -1 if the device has none. */
static inline int vq_init(struct vq *vq, ulong base, unsigned q)
{
    memset(vq, 0, sizeof(*vq));
    vq->base = base;
    vq->q = q;
    vio_w(base, VIO_QUEUE_SEL, q);
    if (vio_r(base, VIO_QUEUE_NUM_MAX) < VQ_MAX)
        return -1;
    vio_w(base, VIO_QUEUE_NUM, VQ_MAX);
    vio_w64(base, VIO_QUEUE_DESC, (ulong)vq->desc);
    vio_w64(base, VIO_QUEUE_DRIVER, (ulong)&vq->avail);
    vio_w64(base, VIO_QUEUE_DEVICE, (ulong)&vq->used);
    vio_w(base, VIO_QUEUE_READY, 1);
    return 0;
}

/* Makes descriptor head available and kicks the device. */
static inline void vq_kick(struct vq *vq, uint16_t head)
{
    vq->avail.ring[vq->avail.idx % VQ_MAX] = head;
    __asm__ volatile("fence rw, rw" ::: "memory");
    vq->avail.idx++;
    __asm__ volatile("fence rw, rw" ::: "memory");
    vio_w(vq->base, VIO_QUEUE_NOTIFY, vq->q);
}

/* Waits for the next used entry; returns its length, or -1 on timeout
 * (*id gets the descriptor index). */
static inline long vq_wait(struct vq *vq, uint32_t *id)
{
    for (long spin = 0; spin < 50000000; spin++) {
        __asm__ volatile("fence rw, rw" ::: "memory");
        if (*(volatile uint16_t *)&vq->used.idx != vq->last_used) {
            struct vq_used_elem *u = &vq->used.ring[vq->last_used % VQ_MAX];
            vq->last_used++;
            if (id)
                *id = u->id;
            vio_w(vq->base, VIO_ISR_ACK, vio_r(vq->base, VIO_ISR));
            return u->len;
        }
    }
    return -1;
}

/* Fills descriptor i; chains it to i + 1 when next. */
static inline void vq_set(struct vq_desc *d, unsigned i, const void *addr,
                          uint32_t len, uint16_t flags, int next)
{
    d[i].addr = (ulong)addr;
    d[i].len = len;
    d[i].flags = flags | (next ? VQ_NEXT : 0);
    d[i].next = next ? i + 1 : 0;
}

/* Waits until status has one of the bits in mask (bounded); returns it. */
static inline uint32_t vio_wait_status(ulong base, uint32_t mask)
{
    uint32_t s = 0;
    for (long spin = 0; spin < 20000000; spin++) {
        s = vio_r(base, VIO_STATUS);
        if (s & mask)
            break;
    }
    return s;
}

#endif
