/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk-device: a disk (virtio 1.2, 5.2) on a -drive image.
 *
 * Requests are taken from the queue and checked on the machine thread;
 * the host I/O runs in a worker thread of the device, so a guest's disk
 * write never stalls its CPUs for the length of a host write; the worker
 * hands each finished request back through a bottom half, which copies
 * read data into the guest, writes the status byte and interrupts.
 * Requests finish in the order they were taken (one worker). In-flight
 * data is bounded (BLK_MAX_INFLIGHT bytes): past it, the device takes no
 * more requests until some finish.
 *
 * Status codes: a request outside the disk, misaligned to the logical
 * block size, too large, or a write to a read-only drive gets IOERR; an
 * unknown type or a discard/write-zeroes form we do not accept gets UNSUPP;
 * a chain without the 16-byte header or the status byte cannot be answered
 * and puts the device in NEEDS_RESET (as the transport does for malformed
 * chains).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <tessera/device.h>

#include "virtio.h"

/* Feature bits (5.2.3). */
#define BLK_F_SIZE_MAX 1
#define BLK_F_SEG_MAX 2
#define BLK_F_RO 5
#define BLK_F_BLK_SIZE 6
#define BLK_F_FLUSH 9
#define BLK_F_TOPOLOGY 10
#define BLK_F_DISCARD 13
#define BLK_F_WRITE_ZEROES 14

/* Request types and status. */
#define BLK_T_IN 0
#define BLK_T_OUT 1
#define BLK_T_FLUSH 4
#define BLK_T_GET_ID 8
#define BLK_T_DISCARD 11
#define BLK_T_WRITE_ZEROES 13
#define BLK_S_OK 0
#define BLK_S_IOERR 1
#define BLK_S_UNSUPP 2

#define BLK_ID_BYTES 20
#define BLK_QUEUE_SIZE 256
#define BLK_MAX_REQ (32u << 20)       /* data bytes of one request */
#define BLK_MAX_INFLIGHT (64u << 20)  /* data bytes held by the device */
#define BLK_MAX_DISCARD_SECTORS 0x3fffffu
#define BLK_CONFIG_LEN 60

typedef struct BlkReq {
    struct BlkReq *next;
    VirtqElem elem;
    uint32_t type;
    uint64_t off;       /* bytes */
    uint64_t len;       /* data bytes (read/write), or range (zero/discard) */
    uint8_t *buf;       /* read/write data */
    bool unmap;         /* write zeroes: may deallocate */
    bool submitted;     /* given to the worker */
    uint8_t status;
} BlkReq;

typedef struct VirtioBlk {
    VirtioDev vdev;
    TesseraDrive *drive;
    bool readonly;
    uint32_t lbs;       /* logical block size */
    const char *serial;
    /* Worker. */
    pthread_t thread;
    bool thread_started;
    pthread_mutex_t lock;
    pthread_cond_t cond;   /* work queued / worker idle */
    BlkReq *todo, **todo_tail; /* for the worker */
    BlkReq *done, **done_tail; /* for the bottom half */
    bool busy;             /* the worker holds a request */
    bool quit;
    TesseraBh *bh;
    uint64_t inflight_bytes; /* machine thread only */
} VirtioBlk;

/* ---------------------------------------------------------------------- */
/* Worker                                                                  */

static void blk_execute(VirtioBlk *s, BlkReq *r)
{
    TesseraDrive *d = s->drive;
    int rc = 0;
    switch (r->type) {
    case BLK_T_IN:
        rc = tessera_drive_read(d, r->off, r->buf, r->len);
        break;
    case BLK_T_OUT:
        rc = tessera_drive_write(d, r->off, r->buf, r->len);
        break;
    case BLK_T_FLUSH:
        rc = tessera_drive_flush(d);
        break;
    case BLK_T_DISCARD:
        rc = tessera_drive_discard(d, r->off, r->len);
        break;
    case BLK_T_WRITE_ZEROES:
        rc = tessera_drive_write_zeroes(d, r->off, r->len, r->unmap);
        break;
    }
    if (rc < 0) {
        r->status = BLK_S_IOERR;
        tessera_warn("%s: %s", tessera_dev_name(s->vdev.dev),
                     tessera_drive_error(d));
    }
}

static void *blk_worker(void *opaque)
{
    VirtioBlk *s = opaque;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        while (!s->todo && !s->quit)
            pthread_cond_wait(&s->cond, &s->lock);
        if (!s->todo)
            break;
        BlkReq *r = s->todo;
        s->todo = r->next;
        if (!s->todo)
            s->todo_tail = &s->todo;
        s->busy = true;
        pthread_mutex_unlock(&s->lock);
        blk_execute(s, r);
        pthread_mutex_lock(&s->lock);
        r->next = NULL;
        *s->done_tail = r;
        s->done_tail = &r->next;
        s->busy = false;
        pthread_cond_broadcast(&s->cond);
        tessera_bh_schedule(s->bh);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* ---------------------------------------------------------------------- */
/* Machine thread                                                          */

static void req_free(VirtioBlk *s, BlkReq *r)
{
    if (r->submitted)
        tessera_bh_work_end(s->bh);
    if (r->type == BLK_T_IN || r->type == BLK_T_OUT)
        s->inflight_bytes -= r->len;
    virtq_elem_free(&r->elem);
    free(r->buf);
    free(r);
}

/* Answers r: data (reads), then the status byte after the data. */
static void req_complete(VirtioBlk *s, BlkReq *r)
{
    VirtioDev *vdev = &s->vdev;
    uint64_t data = 0;
    if (r->type == BLK_T_IN && r->status == BLK_S_OK) {
        if (virtq_elem_write(vdev, &r->elem, 0, r->buf, r->len) < 0)
            goto out;
        data = r->len;
    } else if (r->type == BLK_T_GET_ID && r->status == BLK_S_OK) {
        data = r->len;
    }
    uint64_t status_at = r->elem.in_len - 1;
    if (virtq_elem_write(vdev, &r->elem, status_at, &r->status, 1) == 1)
        virtq_push(vdev, &r->elem, (uint32_t)(data + 1));
out:
    req_free(s, r);
}

static void blk_bh(void *opaque)
{
    VirtioBlk *s = opaque;
    pthread_mutex_lock(&s->lock);
    BlkReq *list = s->done;
    s->done = NULL;
    s->done_tail = &s->done;
    pthread_mutex_unlock(&s->lock);
    bool any = list != NULL;
    while (list) {
        BlkReq *r = list;
        list = r->next;
        req_complete(s, r);
    }
    if (any) {
        virtq_notify(&s->vdev, 0);
        /* Requests left waiting for in-flight room. */
        s->vdev.ops->notify(&s->vdev, 0);
    }
}

static void submit(VirtioBlk *s, BlkReq *r)
{
    r->next = NULL;
    r->submitted = true;
    tessera_bh_work_begin(s->bh);
    pthread_mutex_lock(&s->lock);
    *s->todo_tail = r;
    s->todo_tail = &r->next;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
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

/* Byte range [off, off + len) inside the disk and block aligned. */
static bool range_ok(VirtioBlk *s, uint64_t off, uint64_t len)
{
    uint64_t size = tessera_drive_size(s->drive);
    return off <= size && len <= size - off && off % s->lbs == 0 &&
           len % s->lbs == 0;
}

/*
 * Checks one request and either answers it now (1: r completed) or gives
 * it to the worker (0). -1: unanswerable, device broken.
 */
static int blk_prepare(VirtioBlk *s, BlkReq *r)
{
    VirtioDev *vdev = &s->vdev;
    VirtqElem *e = &r->elem;
    uint8_t hdr[16];

    if (e->out_len < 16 || e->in_len < 1) {
        virtio_error(vdev, "virtio-blk request without header or status");
        return -1;
    }
    if (virtq_elem_read(vdev, e, 0, hdr, 16) != 16)
        return -1;
    r->type = ld32(hdr);
    uint64_t sector = ld64(hdr + 8);
    uint64_t out_data = e->out_len - 16, in_data = e->in_len - 1;
    r->status = BLK_S_OK;

    switch (r->type) {
    case BLK_T_IN:
    case BLK_T_OUT: {
        uint64_t len = r->type == BLK_T_IN ? in_data : out_data;
        if (sector > UINT64_MAX / 512 || len > BLK_MAX_REQ ||
            !range_ok(s, sector * 512, len) ||
            (r->type == BLK_T_OUT && s->readonly)) {
            r->status = BLK_S_IOERR;
            return 1;
        }
        r->off = sector * 512;
        r->len = len;
        r->buf = malloc(len ? len : 1);
        if (!r->buf) {
            r->status = BLK_S_IOERR;
            r->len = 0;
            return 1;
        }
        s->inflight_bytes += len;
        if (r->type == BLK_T_OUT &&
            virtq_elem_read(vdev, e, 16, r->buf, len) != (int64_t)len)
            return -1;
        return 0;
    }
    case BLK_T_FLUSH:
        return 0;
    case BLK_T_GET_ID: {
        char id[BLK_ID_BYTES] = {0};
        size_t n = strlen(s->serial);
        memcpy(id, s->serial, n < BLK_ID_BYTES ? n : BLK_ID_BYTES);
        r->len = in_data < BLK_ID_BYTES ? in_data : BLK_ID_BYTES;
        if (virtq_elem_write(vdev, e, 0, id, r->len) < 0)
            return -1;
        return 1;
    }
    case BLK_T_DISCARD:
    case BLK_T_WRITE_ZEROES: {
        uint8_t seg[16];
        /* One segment: what max_discard_seg/max_write_zeroes_seg say. */
        if (out_data != 16) {
            r->status = BLK_S_UNSUPP;
            return 1;
        }
        if (virtq_elem_read(vdev, e, 16, seg, 16) != 16)
            return -1;
        uint64_t ssec = ld64(seg);
        uint32_t nsec = ld32(seg + 8), flags = ld32(seg + 12);
        if ((r->type == BLK_T_DISCARD && flags) || (flags & ~1u)) {
            r->status = BLK_S_UNSUPP; /* unmap is for write zeroes only */
            return 1;
        }
        if (nsec > BLK_MAX_DISCARD_SECTORS || ssec > UINT64_MAX / 512 ||
            !range_ok(s, ssec * 512, (uint64_t)nsec * 512) || s->readonly) {
            r->status = BLK_S_IOERR;
            return 1;
        }
        r->off = ssec * 512;
        r->len = (uint64_t)nsec * 512;
        r->unmap = flags & 1;
        return 0;
    }
    default:
        r->status = BLK_S_UNSUPP;
        return 1;
    }
}

static void blk_notify(VirtioDev *vdev, unsigned q)
{
    VirtioBlk *s = vdev->opaque;
    bool answered = false;

    while (s->inflight_bytes < BLK_MAX_INFLIGHT) {
        BlkReq *r = calloc(1, sizeof(*r));
        if (!r)
            break;
        if (virtq_pop(vdev, 0, &r->elem) != 1) {
            free(r);
            break;
        }
        int rc = blk_prepare(s, r);
        if (rc < 0) {
            req_free(s, r);
            break;
        }
        if (rc == 1) {
            req_complete(s, r);
            answered = true;
        } else {
            submit(s, r);
        }
    }
    if (answered)
        virtq_notify(vdev, 0);
}

/* Waits for the worker to finish what it has, then drops the results:
 * after a reset nothing may reach the rings. */
static void blk_drain(VirtioBlk *s)
{
    pthread_mutex_lock(&s->lock);
    while (s->todo || s->busy)
        pthread_cond_wait(&s->cond, &s->lock);
    BlkReq *list = s->done;
    s->done = NULL;
    s->done_tail = &s->done;
    pthread_mutex_unlock(&s->lock);
    while (list) {
        BlkReq *r = list;
        list = r->next;
        req_free(s, r);
    }
}

static void blk_vreset(VirtioDev *vdev)
{
    blk_drain(vdev->opaque);
}

static const VirtioDevOps blk_ops_template = {
    .device_id = VIRTIO_ID_BLOCK,
    .num_queues = 1,
    .queue_size = BLK_QUEUE_SIZE,
    .config_len = BLK_CONFIG_LEN,
    .notify = blk_notify,
    .reset = blk_vreset,
};

/* ---------------------------------------------------------------------- */
/* Set-up                                                                  */

static bool pow2(uint64_t v)
{
    return v && !(v & (v - 1));
}

static unsigned log2u(uint64_t v)
{
    unsigned n = 0;
    while (v > 1) {
        v >>= 1;
        n++;
    }
    return n;
}

typedef struct VirtioBlkState {
    VirtioBlk blk;
    VirtioDevOps ops; /* per instance: features depend on the drive */
} VirtioBlkState;

static int blk_realize(TesseraDevice *dev, void *state)
{
    VirtioBlkState *st = state;
    VirtioBlk *s = &st->blk;
    const char *name = tessera_dev_name(dev);

    s->drive = tessera_dev_drive(dev, "drive");
    if (!s->drive) {
        tessera_error("%s: virtio-blk-device needs drive=ID (a -drive "
                      "if=none,id=ID,file=...)", name);
        return -1;
    }
    s->readonly = tessera_drive_readonly(s->drive) ||
                  tessera_dev_prop_bool(dev, "read-only");
    s->serial = tessera_dev_prop_str(dev, "serial");
    uint64_t lbs = tessera_dev_prop_u64(dev, "logical_block_size");
    uint64_t pbs = tessera_dev_prop_u64(dev, "physical_block_size");
    uint64_t min_io = tessera_dev_prop_u64(dev, "min_io_size");
    uint64_t opt_io = tessera_dev_prop_u64(dev, "opt_io_size");
    uint64_t dgran = tessera_dev_prop_u64(dev, "discard_granularity");
    if (!pow2(lbs) || lbs < 512 || lbs > (2u << 20)) {
        tessera_error("%s: logical_block_size %llu: must be a power of 2 "
                      "from 512 to 2M", name, (unsigned long long)lbs);
        return -1;
    }
    if (!pbs)
        pbs = lbs;
    if (!pow2(pbs) || pbs < lbs || pbs > (2u << 20)) {
        tessera_error("%s: physical_block_size %llu: must be a power of 2 "
                      "from logical_block_size (%llu) to 2M", name,
                      (unsigned long long)pbs, (unsigned long long)lbs);
        return -1;
    }
    if (min_io % lbs || min_io / lbs > 0xffff || opt_io % lbs ||
        opt_io / lbs > 0xffffffffu) {
        tessera_error("%s: min_io_size and opt_io_size must be multiples "
                      "of logical_block_size (%llu) below 2^16 and 2^32 "
                      "blocks", name, (unsigned long long)lbs);
        return -1;
    }
    if (!dgran)
        dgran = lbs;
    if (dgran % lbs || dgran / 512 > 0xffffffffu) {
        tessera_error("%s: discard_granularity %llu: must be a multiple of "
                      "logical_block_size (%llu)", name,
                      (unsigned long long)dgran, (unsigned long long)lbs);
        return -1;
    }
    uint64_t size = tessera_drive_size(s->drive);
    if (size % 512)
        tessera_warn("%s: image size %llu is not a multiple of 512; the "
                     "last %llu bytes are not visible", name,
                     (unsigned long long)size,
                     (unsigned long long)(size % 512));
    s->lbs = (uint32_t)lbs;

    st->ops = blk_ops_template;
    st->ops.features = 1ull << BLK_F_SEG_MAX | 1ull << BLK_F_BLK_SIZE |
                       1ull << BLK_F_FLUSH | 1ull << BLK_F_TOPOLOGY;
    if (s->readonly)
        st->ops.features |= 1ull << BLK_F_RO;
    if (tessera_dev_prop_bool(dev, "discard") && !s->readonly)
        st->ops.features |= 1ull << BLK_F_DISCARD;
    if (tessera_dev_prop_bool(dev, "write-zeroes") && !s->readonly)
        st->ops.features |= 1ull << BLK_F_WRITE_ZEROES;
    if (virtio_init(&s->vdev, dev, &st->ops, s) < 0)
        return -1;

    VirtioDev *v = &s->vdev;
    virtio_config_set64(v, 0, size / 512);           /* capacity */
    virtio_config_set32(v, 8, 0);                    /* size_max */
    virtio_config_set32(v, 12, BLK_QUEUE_SIZE - 2);  /* seg_max */
    virtio_config_set32(v, 20, (uint32_t)lbs);       /* blk_size */
    v->config[24] = (uint8_t)log2u(pbs / lbs);       /* physical_block_exp */
    v->config[25] = 0;                               /* alignment_offset */
    virtio_config_set16(v, 26, (uint16_t)(min_io / lbs));
    virtio_config_set32(v, 28, (uint32_t)(opt_io / lbs));
    v->config[32] = 1;                               /* writeback */
    virtio_config_set16(v, 34, 1);                   /* num_queues */
    virtio_config_set32(v, 36, BLK_MAX_DISCARD_SECTORS);
    virtio_config_set32(v, 40, 1);                   /* max_discard_seg */
    virtio_config_set32(v, 44, (uint32_t)(dgran / 512));
    virtio_config_set32(v, 48, BLK_MAX_DISCARD_SECTORS);
    virtio_config_set32(v, 52, 1);                   /* max_write_zeroes_seg */
    v->config[56] = 1;                               /* write_zeroes_may_unmap */

    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    s->todo_tail = &s->todo;
    s->done_tail = &s->done;
    s->bh = tessera_bh_new(blk_bh, s);
    if (pthread_create(&s->thread, NULL, blk_worker, s) != 0) {
        tessera_error("%s: cannot start the I/O thread", name);
        return -1;
    }
    s->thread_started = true;
    return 0;
}

static void blk_reset(TesseraDevice *dev, void *state)
{
    VirtioBlkState *st = state;
    virtio_reset(&st->blk.vdev);
}

static int blk_fdt(TesseraDevice *dev, void *state, void *fdt, int parent)
{
    VirtioBlkState *st = state;
    return virtio_fdt_node(&st->blk.vdev, fdt, parent);
}

static void blk_finalize(TesseraDevice *dev, void *state)
{
    VirtioBlkState *st = state;
    VirtioBlk *s = &st->blk;
    if (!s->thread_started)
        return;
    /* Let what the guest submitted reach the image, then stop. */
    pthread_mutex_lock(&s->lock);
    s->quit = true;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    s->thread_started = false;
    while (s->done) {
        BlkReq *r = s->done;
        s->done = r->next;
        req_free(s, r);
    }
    tessera_bh_free(s->bh);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
}

static const TesseraProp blk_props[] = {
    VIRTIO_MMIO_PROPS,
    {"drive", TESSERA_PROP_DRIVE, "", "the -drive id (required)"},
    {"serial", TESSERA_PROP_STRING, "",
     "disk serial number (GET_ID, up to 20 bytes)"},
    {"read-only", TESSERA_PROP_BOOL, "off",
     "guest may not write (also from -drive readonly=on)"},
    {"logical_block_size", TESSERA_PROP_U64, "512",
     "logical block size in bytes (512..2M, power of 2)"},
    {"physical_block_size", TESSERA_PROP_U64, "0",
     "physical block size in bytes (0: the logical size)"},
    {"min_io_size", TESSERA_PROP_U64, "0", "minimum I/O size in bytes"},
    {"opt_io_size", TESSERA_PROP_U64, "0", "optimal I/O size in bytes"},
    {"discard_granularity", TESSERA_PROP_U64, "0",
     "discard granularity in bytes (0: the logical block size)"},
    {"discard", TESSERA_PROP_BOOL, "on", "offer VIRTIO_BLK_F_DISCARD"},
    {"write-zeroes", TESSERA_PROP_BOOL, "on",
     "offer VIRTIO_BLK_F_WRITE_ZEROES"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass blk_class = {
    .name = "virtio-blk-device",
    .description = "virtio block device on a -drive (virtio-mmio)",
    .props = blk_props,
    .state_size = sizeof(VirtioBlkState),
    .realize = blk_realize,
    .reset = blk_reset,
    .fdt_node = blk_fdt,
    .finalize = blk_finalize,
    .mmio_help = "0x1000 bytes at base (virtio-mmio version 2)",
    .slot_type = "virtio-mmio",
};

static int blk_init(void)
{
    return tessera_register_device(&blk_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "virtio-blk-device", "0.1.0", blk_init);
