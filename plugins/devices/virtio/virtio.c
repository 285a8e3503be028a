/* SPDX-License-Identifier: MIT */
/*
 * Virtio 1.x transport over virtio-mmio (version 2 registers) and split
 * virtqueues, shared by the virtio device plugins. See virtio.h for the
 * contract and the checks made on guest input.
 */
#include "virtio.h"

#include <inttypes.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* virtio-mmio registers (virtio 1.2, 4.2.2). */
#define REG_MAGIC 0x000
#define REG_VERSION 0x004
#define REG_DEVICE_ID 0x008
#define REG_VENDOR_ID 0x00c
#define REG_DEVICE_FEATURES 0x010
#define REG_DEVICE_FEATURES_SEL 0x014
#define REG_DRIVER_FEATURES 0x020
#define REG_DRIVER_FEATURES_SEL 0x024
#define REG_QUEUE_SEL 0x030
#define REG_QUEUE_NUM_MAX 0x034
#define REG_QUEUE_NUM 0x038
#define REG_QUEUE_READY 0x044
#define REG_QUEUE_NOTIFY 0x050
#define REG_INTERRUPT_STATUS 0x060
#define REG_INTERRUPT_ACK 0x064
#define REG_STATUS 0x070
#define REG_QUEUE_DESC_LOW 0x080
#define REG_QUEUE_DESC_HIGH 0x084
#define REG_QUEUE_DRIVER_LOW 0x090
#define REG_QUEUE_DRIVER_HIGH 0x094
#define REG_QUEUE_DEVICE_LOW 0x0a0
#define REG_QUEUE_DEVICE_HIGH 0x0a4
#define REG_SHM_SEL 0x0ac
#define REG_SHM_LEN_LOW 0x0b0
#define REG_SHM_LEN_HIGH 0x0b4
#define REG_SHM_BASE_LOW 0x0b8
#define REG_SHM_BASE_HIGH 0x0bc
#define REG_CONFIG_GENERATION 0x0fc
#define REG_CONFIG 0x100

#define MAGIC_VALUE 0x74726976u /* "virt" */
#define VENDOR_VALUE 0x554d4551u /* "QEMU": what guests are used to */

#define ISR_USED 1u
#define ISR_CONFIG 2u

/* ---------------------------------------------------------------------- */
/* Little-endian helpers                                                   */

static uint16_t ld16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint64_t ld64(const uint8_t *p)
{
    return ld32(p) | (uint64_t)ld32(p + 4) << 32;
}

static void st16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void st32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void virtio_config_set16(VirtioDev *vdev, unsigned off, uint16_t v)
{
    if (off + 2 <= VIRTIO_CONFIG_MAX)
        st16(vdev->config + off, v);
}

void virtio_config_set32(VirtioDev *vdev, unsigned off, uint32_t v)
{
    if (off + 4 <= VIRTIO_CONFIG_MAX)
        st32(vdev->config + off, v);
}

void virtio_config_set64(VirtioDev *vdev, unsigned off, uint64_t v)
{
    virtio_config_set32(vdev, off, (uint32_t)v);
    virtio_config_set32(vdev, off + 4, (uint32_t)(v >> 32));
}

/* ---------------------------------------------------------------------- */
/* Interrupts and errors                                                   */

static void update_irq(VirtioDev *vdev)
{
    tessera_irq_set(vdev->irq, vdev->isr != 0);
}

void virtio_error(VirtioDev *vdev, const char *why)
{
    tessera_log(TESSERA_LOG_GUEST_ERRORS, "%s: %s: device needs reset\n",
                tessera_dev_name(vdev->dev), why);
    if (vdev->broken)
        return;
    vdev->broken = true;
    vdev->status |= VIRTIO_STATUS_NEEDS_RESET;
    if (vdev->status & VIRTIO_STATUS_DRIVER_OK) {
        vdev->isr |= ISR_CONFIG;
        update_irq(vdev);
    }
}

void virtio_config_changed(VirtioDev *vdev)
{
    vdev->config_generation++;
    if (vdev->status & VIRTIO_STATUS_DRIVER_OK) {
        vdev->isr |= ISR_CONFIG;
        update_irq(vdev);
    }
}

bool virtio_has_feature(const VirtioDev *vdev, unsigned bit)
{
    return bit < 64 && (vdev->guest_features >> bit) & 1;
}

bool virtio_running(const VirtioDev *vdev)
{
    return (vdev->status & VIRTIO_STATUS_DRIVER_OK) && !vdev->broken;
}

/* ---------------------------------------------------------------------- */
/* Guest memory                                                            */

static bool gread(VirtioDev *vdev, uint64_t addr, void *buf, uint64_t len)
{
    if (tessera_dma_read(addr, buf, len) == 0)
        return true;
    virtio_error(vdev, "ring or buffer outside guest RAM");
    return false;
}

static bool gwrite(VirtioDev *vdev, uint64_t addr, const void *buf,
                   uint64_t len)
{
    if (tessera_dma_write(addr, buf, len) == 0)
        return true;
    virtio_error(vdev, "ring or buffer outside guest RAM");
    return false;
}

static bool gread16(VirtioDev *vdev, uint64_t addr, uint16_t *v)
{
    uint8_t b[2];
    if (!gread(vdev, addr, b, 2))
        return false;
    *v = ld16(b);
    return true;
}

static bool gwrite16(VirtioDev *vdev, uint64_t addr, uint16_t v)
{
    uint8_t b[2];
    st16(b, v);
    return gwrite(vdev, addr, b, 2);
}

/* Ring layout (2.7): avail = flags, idx, ring[num], used_event;
 * used = flags, idx, ring[num] of {id, len}, avail_event. */
static uint64_t avail_size(unsigned num)
{
    return 6 + 2ull * num;
}

static uint64_t used_size(unsigned num)
{
    return 6 + 8ull * num;
}

/* ---------------------------------------------------------------------- */
/* Virtqueues                                                              */

static Virtq *queue(VirtioDev *vdev, unsigned q)
{
    return q < vdev->ops->num_queues ? &vdev->vq[q] : NULL;
}

/* The driver set QueueReady: check what it configured before any use. */
static void queue_enable(VirtioDev *vdev, Virtq *vq)
{
    unsigned num = vq->num;
    if (num == 0 || num > vq->num_max || (num & (num - 1))) {
        virtio_error(vdev, "queue size is 0, too large or not a power of 2");
        return;
    }
    if ((vq->desc & 15) || (vq->avail & 1) || (vq->used & 3)) {
        virtio_error(vdev, "misaligned virtqueue");
        return;
    }
    if (!tessera_dma_valid(vq->desc, 16ull * num) ||
        !tessera_dma_valid(vq->avail, avail_size(num)) ||
        !tessera_dma_valid(vq->used, used_size(num))) {
        virtio_error(vdev, "virtqueue outside guest RAM");
        return;
    }
    vq->ready = true;
    vq->last_avail = 0;
    vq->used_idx = 0;
    vq->signalled_valid = false;
    vq->inflight = 0;
}

void virtq_elem_free(VirtqElem *e)
{
    free(e->seg);
    e->seg = NULL;
    e->n_in = e->n_out = 0;
}

/* Fails the chain: device broken, e emptied. */
static int bad_chain(VirtioDev *vdev, VirtqElem *e, uint8_t *table,
                     const char *why)
{
    free(table);
    virtq_elem_free(e);
    virtio_error(vdev, why);
    return -1;
}

bool virtq_has_work(VirtioDev *vdev, unsigned q)
{
    Virtq *vq = queue(vdev, q);
    uint16_t idx;
    if (!vq || !vq->ready || !virtio_running(vdev))
        return false;
    if (!gread16(vdev, vq->avail + 2, &idx))
        return false;
    return idx != vq->last_avail;
}

int virtq_pop(VirtioDev *vdev, unsigned q, VirtqElem *e)
{
    Virtq *vq = queue(vdev, q);
    uint16_t avail_idx, head;
    bool event_idx = virtio_has_feature(vdev, VIRTIO_F_EVENT_IDX);

    memset(e, 0, sizeof(*e));
    if (!vq || !vq->ready || !virtio_running(vdev))
        return 0;
    unsigned num = vq->num;
    if (!gread16(vdev, vq->avail + 2, &avail_idx))
        return -1;
    if ((uint16_t)(avail_idx - vq->last_avail) > num) {
        virtio_error(vdev, "avail index moved by more than the queue size");
        return -1;
    }
    if (avail_idx == vq->last_avail) {
        /* Ask to be notified at the next one (event index). */
        if (event_idx)
            gwrite16(vdev, vq->used + 4 + 8ull * num, vq->last_avail);
        return 0;
    }
    if (!gread16(vdev, vq->avail + 4 + 2ull * (vq->last_avail % num), &head))
        return -1;
    if (head >= num) {
        virtio_error(vdev, "avail ring names a descriptor past the queue");
        return -1;
    }

    /* Walk the chain. At most num buffers in all; an indirect table is read
     * whole into host memory first, so the guest cannot change it under
     * us, and its own walk is bounded by its length. */
    e->seg = malloc(sizeof(VirtqSeg) * num);
    if (!e->seg) {
        virtio_error(vdev, "out of host memory");
        return -1;
    }
    e->head = head;
    e->queue = q;
    uint8_t *table = NULL;  /* indirect table copy, or NULL: the ring */
    unsigned table_len = num, count = 0, nseg = 0;
    unsigned i = head;
    for (;;) {
        uint8_t d[16];
        if (i >= table_len)
            return bad_chain(vdev, e, table, "descriptor index out of range");
        if (++count > table_len)
            return bad_chain(vdev, e, table,
                             "descriptor chain loops or is longer than "
                             "its table");
        if (table)
            memcpy(d, table + 16ull * i, 16);
        else if (!gread(vdev, vq->desc + 16ull * i, d, 16))
            return bad_chain(vdev, e, table, "descriptor table unreadable");
        uint64_t addr = ld64(d);
        uint32_t len = ld32(d + 8);
        uint16_t flags = ld16(d + 12), next = ld16(d + 14);

        if (flags & VIRTQ_DESC_F_INDIRECT) {
            if (!virtio_has_feature(vdev, VIRTIO_F_INDIRECT_DESC))
                return bad_chain(vdev, e, table,
                                 "indirect descriptor not negotiated");
            if (table)
                return bad_chain(vdev, e, table, "nested indirect table");
            if (flags & VIRTQ_DESC_F_NEXT)
                return bad_chain(vdev, e, table,
                                 "indirect descriptor with NEXT");
            if (len == 0 || len % 16 || len / 16 > num)
                return bad_chain(vdev, e, table,
                                 "indirect table length is 0, not a multiple "
                                 "of 16 or longer than the queue");
            table = malloc(len);
            if (!table)
                return bad_chain(vdev, e, table, "out of host memory");
            if (tessera_dma_read(addr, table, len) < 0)
                return bad_chain(vdev, e, table,
                                 "indirect table outside guest RAM");
            table_len = len / 16;
            count = 0;
            i = 0;
            continue;
        }
        if (flags & VIRTQ_DESC_F_WRITE)
            e->n_in++;
        else if (e->n_in)
            return bad_chain(vdev, e, table,
                             "device-readable buffer after a writable one");
        else
            e->n_out++;
        if (!tessera_dma_valid(addr, len))
            return bad_chain(vdev, e, table, "buffer outside guest RAM");
        if (nseg >= num)
            return bad_chain(vdev, e, table,
                             "descriptor chain longer than the queue size");
        e->seg[nseg++] = (VirtqSeg){addr, len};
        if (flags & VIRTQ_DESC_F_WRITE)
            e->in_len += len;
        else
            e->out_len += len;
        if (!(flags & VIRTQ_DESC_F_NEXT))
            break;
        i = next;
    }
    free(table);
    vq->last_avail++;
    vq->inflight++;
    if (event_idx &&
        !gwrite16(vdev, vq->used + 4 + 8ull * num, vq->last_avail)) {
        virtq_elem_free(e);
        return -1;
    }
    return 1;
}

/* Scatter/gather copy between buf and the readable (write = false) or
 * writable (write = true) segments of e, from byte offset off. */
static int64_t elem_copy(VirtioDev *vdev, const VirtqElem *e, uint64_t off,
                         uint8_t *buf, uint64_t len, bool write)
{
    unsigned first = write ? e->n_out : 0;
    unsigned end = write ? e->n_out + e->n_in : e->n_out;
    uint64_t done = 0;

    for (unsigned k = first; k < end && done < len; k++) {
        const VirtqSeg *s = &e->seg[k];
        if (off >= s->len) {
            off -= s->len;
            continue;
        }
        uint64_t n = s->len - off;
        if (n > len - done)
            n = len - done;
        bool ok = write ? gwrite(vdev, s->addr + off, buf + done, n)
                        : gread(vdev, s->addr + off, buf + done, n);
        if (!ok)
            return -1;
        done += n;
        off = 0;
    }
    return (int64_t)done;
}

int64_t virtq_elem_read(VirtioDev *vdev, const VirtqElem *e, uint64_t off,
                        void *buf, uint64_t len)
{
    return elem_copy(vdev, e, off, buf, len, false);
}

int64_t virtq_elem_write(VirtioDev *vdev, const VirtqElem *e, uint64_t off,
                         const void *buf, uint64_t len)
{
    return elem_copy(vdev, e, off, (uint8_t *)buf, len, true);
}

void virtq_push(VirtioDev *vdev, const VirtqElem *e, uint32_t written)
{
    Virtq *vq = queue(vdev, e->queue);
    uint8_t b[8];

    /* A reset since the pop (ready cleared) drops the request. */
    if (!vq || !vq->ready || vdev->broken)
        return;
    if (vq->inflight)
        vq->inflight--;
    st32(b, e->head);
    st32(b + 4, written);
    if (!gwrite(vdev, vq->used + 4 + 8ull * (vq->used_idx % vq->num), b, 8))
        return;
    vq->used_idx++;
    gwrite16(vdev, vq->used + 2, vq->used_idx);
}

void virtq_notify(VirtioDev *vdev, unsigned q)
{
    Virtq *vq = queue(vdev, q);
    bool need;

    if (!vq || !vq->ready || vdev->broken)
        return;
    if (vq->signalled_valid && vq->signalled_used == vq->used_idx)
        return; /* nothing new since the last interrupt decision */
    if (virtio_has_feature(vdev, VIRTIO_F_EVENT_IDX)) {
        uint16_t used_event;
        if (!gread16(vdev, vq->avail + 4 + 2ull * vq->num, &used_event))
            return;
        uint16_t old = vq->signalled_used, cur = vq->used_idx;
        need = !vq->signalled_valid ||
               (uint16_t)(cur - used_event - 1) < (uint16_t)(cur - old);
    } else {
        uint16_t flags;
        if (!gread16(vdev, vq->avail, &flags))
            return;
        need = !(flags & VIRTQ_AVAIL_F_NO_INTERRUPT);
    }
    vq->signalled_used = vq->used_idx;
    vq->signalled_valid = true;
    if (need) {
        vdev->isr |= ISR_USED;
        update_irq(vdev);
    }
}

/* ---------------------------------------------------------------------- */
/* Transport registers                                                     */

static void device_reset(VirtioDev *vdev)
{
    vdev->status = 0;
    vdev->guest_features = 0;
    vdev->dev_features_sel = vdev->drv_features_sel = 0;
    vdev->queue_sel = 0;
    vdev->isr = 0;
    vdev->broken = false;
    for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++) {
        Virtq *vq = &vdev->vq[q];
        uint16_t max = vq->num_max;
        memset(vq, 0, sizeof(*vq));
        vq->num_max = max;
        vq->num = max;
    }
    update_irq(vdev);
    if (vdev->ops->reset)
        vdev->ops->reset(vdev);
}

void virtio_reset(VirtioDev *vdev)
{
    /* IRQ lines are wired after realize: look the line up here. */
    vdev->irq = tessera_dev_irq_out(vdev->dev, "irq", 0);
    vdev->config_generation = 0;
    device_reset(vdev);
}

static void write_status(VirtioDev *vdev, uint32_t v)
{
    v &= 0xff;
    if (v == 0) {
        device_reset(vdev);
        return;
    }
    uint32_t old = vdev->status;
    if ((v & VIRTIO_STATUS_FEATURES_OK) &&
        !(old & VIRTIO_STATUS_FEATURES_OK)) {
        uint64_t f = vdev->guest_features;
        bool ok = !(f & ~vdev->host_features) &&
                  (f >> VIRTIO_F_VERSION_1 & 1) &&
                  (!vdev->ops->features_ok || vdev->ops->features_ok(vdev, f));
        if (!ok) {
            tessera_log(TESSERA_LOG_GUEST_ERRORS,
                        "%s: driver features 0x%" PRIx64 " refused (offered "
                        "0x%" PRIx64 ", VERSION_1 required)\n",
                        tessera_dev_name(vdev->dev), f, vdev->host_features);
            v &= ~(uint32_t)VIRTIO_STATUS_FEATURES_OK;
        }
    }
    if (vdev->broken)
        v |= VIRTIO_STATUS_NEEDS_RESET;
    vdev->status = v;
    if (vdev->ops->status && v != old)
        vdev->ops->status(vdev, v);
    /* Work queued before DRIVER_OK was set waits for a kick that may
     * have come already. */
    if ((v & VIRTIO_STATUS_DRIVER_OK) && !(old & VIRTIO_STATUS_DRIVER_OK) &&
        vdev->ops->notify)
        for (unsigned q = 0; q < vdev->ops->num_queues; q++)
            if (vdev->vq[q].ready && virtio_running(vdev))
                vdev->ops->notify(vdev, q);
}

static uint64_t config_read(VirtioDev *vdev, uint64_t off, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        if (off + i < vdev->ops->config_len)
            v |= (uint64_t)vdev->config[off + i] << (8 * i);
    return v;
}

uint64_t virtio_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    VirtioDev *vdev = opaque;
    Virtq *vq = queue(vdev, vdev->queue_sel);

    if (offset >= REG_CONFIG)
        return config_read(vdev, offset - REG_CONFIG, size);
    if (size != 4 || (offset & 3)) {
        tessera_log(TESSERA_LOG_GUEST_ERRORS,
                    "%s: %u-byte read of register 0x%" PRIx64
                    " (32-bit only)\n", tessera_dev_name(vdev->dev), size,
                    offset);
        return 0;
    }
    switch (offset) {
    case REG_MAGIC:
        return MAGIC_VALUE;
    case REG_VERSION:
        return 2;
    case REG_DEVICE_ID:
        return vdev->ops->device_id;
    case REG_VENDOR_ID:
        return VENDOR_VALUE;
    case REG_DEVICE_FEATURES:
        if (vdev->dev_features_sel > 1)
            return 0;
        return (uint32_t)(vdev->host_features >>
                          (32 * vdev->dev_features_sel));
    case REG_QUEUE_NUM_MAX:
        return vq ? vq->num_max : 0;
    case REG_QUEUE_READY:
        return vq ? vq->ready : 0;
    case REG_INTERRUPT_STATUS:
        return vdev->isr;
    case REG_STATUS:
        return vdev->status;
    case REG_QUEUE_DESC_LOW:
        return vq ? (uint32_t)vq->desc : 0;
    case REG_QUEUE_DESC_HIGH:
        return vq ? (uint32_t)(vq->desc >> 32) : 0;
    case REG_QUEUE_DRIVER_LOW:
        return vq ? (uint32_t)vq->avail : 0;
    case REG_QUEUE_DRIVER_HIGH:
        return vq ? (uint32_t)(vq->avail >> 32) : 0;
    case REG_QUEUE_DEVICE_LOW:
        return vq ? (uint32_t)vq->used : 0;
    case REG_QUEUE_DEVICE_HIGH:
        return vq ? (uint32_t)(vq->used >> 32) : 0;
    case REG_SHM_LEN_LOW:
    case REG_SHM_LEN_HIGH:
    case REG_SHM_BASE_LOW:
    case REG_SHM_BASE_HIGH:
        return 0xffffffffu; /* no shared memory regions */
    case REG_CONFIG_GENERATION:
        return vdev->config_generation;
    default:
        tessera_log(TESSERA_LOG_GUEST_ERRORS,
                    "%s: read of write-only or unknown register 0x%" PRIx64
                    "\n", tessera_dev_name(vdev->dev), offset);
        return 0;
    }
}

/* Queue registers may change only while the queue is not ready. */
static Virtq *queue_for_setup(VirtioDev *vdev)
{
    Virtq *vq = queue(vdev, vdev->queue_sel);
    if (!vq) {
        tessera_log(TESSERA_LOG_GUEST_ERRORS,
                    "%s: queue %u does not exist\n",
                    tessera_dev_name(vdev->dev), vdev->queue_sel);
        return NULL;
    }
    if (vq->ready) {
        tessera_log(TESSERA_LOG_GUEST_ERRORS,
                    "%s: queue %u configured while ready (ignored)\n",
                    tessera_dev_name(vdev->dev), vdev->queue_sel);
        return NULL;
    }
    return vq;
}

static void set_lo(uint64_t *r, uint64_t v)
{
    *r = (*r & ~0xffffffffull) | (uint32_t)v;
}

static void set_hi(uint64_t *r, uint64_t v)
{
    *r = (*r & 0xffffffffull) | (uint64_t)(uint32_t)v << 32;
}

void virtio_mmio_write(void *opaque, uint64_t offset, uint64_t value,
                       unsigned size)
{
    VirtioDev *vdev = opaque;
    Virtq *vq;

    if (offset >= REG_CONFIG) {
        uint64_t off = offset - REG_CONFIG;
        if (!vdev->ops->config_write || off + size > vdev->ops->config_len) {
            tessera_log(TESSERA_LOG_GUEST_ERRORS,
                        "%s: write to read-only config offset 0x%" PRIx64
                        "\n", tessera_dev_name(vdev->dev), off);
            return;
        }
        for (unsigned i = 0; i < size; i++)
            vdev->config[off + i] = (uint8_t)(value >> (8 * i));
        vdev->ops->config_write(vdev, (unsigned)off, size);
        return;
    }
    if (size != 4 || (offset & 3)) {
        tessera_log(TESSERA_LOG_GUEST_ERRORS,
                    "%s: %u-byte write of register 0x%" PRIx64
                    " (32-bit only)\n", tessera_dev_name(vdev->dev), size,
                    offset);
        return;
    }
    uint32_t v = (uint32_t)value;
    switch (offset) {
    case REG_DEVICE_FEATURES_SEL:
        vdev->dev_features_sel = v;
        break;
    case REG_DRIVER_FEATURES:
        if (vdev->status & VIRTIO_STATUS_FEATURES_OK) {
            tessera_log(TESSERA_LOG_GUEST_ERRORS,
                        "%s: features written after FEATURES_OK (ignored)\n",
                        tessera_dev_name(vdev->dev));
            break;
        }
        if (vdev->drv_features_sel == 0)
            set_lo(&vdev->guest_features, v);
        else if (vdev->drv_features_sel == 1)
            set_hi(&vdev->guest_features, v);
        break;
    case REG_DRIVER_FEATURES_SEL:
        vdev->drv_features_sel = v;
        break;
    case REG_QUEUE_SEL:
        vdev->queue_sel = v;
        break;
    case REG_QUEUE_NUM:
        if ((vq = queue_for_setup(vdev)))
            vq->num = v > 0xffff ? 0 : (uint16_t)v; /* checked at ready */
        break;
    case REG_QUEUE_READY:
        vq = queue(vdev, vdev->queue_sel);
        if (!vq)
            break;
        if (v & 1) {
            if (!vq->ready)
                queue_enable(vdev, vq);
        } else {
            vq->ready = false;
        }
        break;
    case REG_QUEUE_NOTIFY:
        /* Without VIRTIO_F_NOTIFICATION_DATA the value is the index. */
        if (v < vdev->ops->num_queues && vdev->vq[v].ready &&
            virtio_running(vdev) && vdev->ops->notify)
            vdev->ops->notify(vdev, v);
        break;
    case REG_INTERRUPT_ACK:
        vdev->isr &= ~v;
        update_irq(vdev);
        break;
    case REG_STATUS:
        write_status(vdev, v);
        break;
    case REG_QUEUE_DESC_LOW:
        if ((vq = queue_for_setup(vdev)))
            set_lo(&vq->desc, v);
        break;
    case REG_QUEUE_DESC_HIGH:
        if ((vq = queue_for_setup(vdev)))
            set_hi(&vq->desc, v);
        break;
    case REG_QUEUE_DRIVER_LOW:
        if ((vq = queue_for_setup(vdev)))
            set_lo(&vq->avail, v);
        break;
    case REG_QUEUE_DRIVER_HIGH:
        if ((vq = queue_for_setup(vdev)))
            set_hi(&vq->avail, v);
        break;
    case REG_QUEUE_DEVICE_LOW:
        if ((vq = queue_for_setup(vdev)))
            set_lo(&vq->used, v);
        break;
    case REG_QUEUE_DEVICE_HIGH:
        if ((vq = queue_for_setup(vdev)))
            set_hi(&vq->used, v);
        break;
    case REG_SHM_SEL:
        break;
    default:
        tessera_log(TESSERA_LOG_GUEST_ERRORS,
                    "%s: write of read-only or unknown register 0x%" PRIx64
                    "\n", tessera_dev_name(vdev->dev), offset);
        break;
    }
}

static const TesseraMmioOps virtio_mmio_ops = {
    .read = virtio_mmio_read,
    .write = virtio_mmio_write,
    .min_access = 1,
    .max_access = 4,
};

int virtio_init(VirtioDev *vdev, TesseraDevice *dev, const VirtioDevOps *ops,
                void *opaque)
{
    memset(vdev, 0, sizeof(*vdev));
    vdev->dev = dev;
    vdev->ops = ops;
    vdev->opaque = opaque;
    vdev->base = tessera_dev_prop_u64(dev, "base");
    if (tessera_dev_prop_u64(dev, "version") != 2) {
        tessera_error("%s: %s implements virtio-mmio version 2 (virtio 1.x) "
                      "only", tessera_dev_name(dev), tessera_dev_type(dev));
        return -1;
    }
    if (ops->num_queues > VIRTIO_MAX_QUEUES || ops->queue_size == 0 ||
        ops->queue_size > VIRTIO_QUEUE_MAX ||
        (ops->queue_size & (ops->queue_size - 1)) ||
        ops->config_len > VIRTIO_CONFIG_MAX) {
        tessera_error("%s: bad virtio queue or config layout (plugin bug)",
                      tessera_dev_name(dev));
        return -1;
    }
    vdev->host_features = ops->features | 1ull << VIRTIO_F_VERSION_1 |
                          1ull << VIRTIO_F_INDIRECT_DESC |
                          1ull << VIRTIO_F_EVENT_IDX;
    for (unsigned q = 0; q < ops->num_queues; q++)
        vdev->vq[q].num_max = vdev->vq[q].num = ops->queue_size;
    return tessera_dev_map_mmio(dev, vdev->base, VIRTIO_MMIO_SIZE,
                                &virtio_mmio_ops, vdev);
}

int virtio_fdt_node(VirtioDev *vdev, void *fdt, int parent)
{
    char name[64];
    TesseraIrqTarget t;
    int node, r;

    snprintf(name, sizeof(name), "virtio_mmio@%" PRIx64, vdev->base);
    node = fdt_add_subnode(fdt, parent, name);
    if (node < 0)
        return node;
    if (tessera_dev_irq_target(vdev->dev, "irq", 0, &t) && t.dev) {
        if ((r = fdt_setprop_u32(fdt, node, "interrupts", t.input)) < 0 ||
            (r = fdt_setprop_u32(fdt, node, "interrupt-parent",
                                 tessera_dev_phandle(t.dev))) < 0)
            return r;
    }
    if ((r = fdt_setprop_u64(fdt, node, "reg", vdev->base)) < 0 ||
        (r = fdt_appendprop_u64(fdt, node, "reg", VIRTIO_MMIO_SIZE)) < 0 ||
        (r = fdt_setprop_string(fdt, node, "compatible", "virtio,mmio")) < 0)
        return r;
    return 0;
}
