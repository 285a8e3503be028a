/* SPDX-License-Identifier: MIT */
/*
 * virtio-rng-device: entropy for the guest (virtio 1.2, 5.4). One queue
 * of device-writable buffers, each filled with bytes from the entropy
 * object named by "rng" (-object rng-random/rng-builtin; default
 * /dev/urandom). Takes a virtio-mmio slot with -device.
 */
#include <stdlib.h>

#include <tessera/device.h>

#include "virtio.h"

#define RNG_QUEUE_SIZE 64
#define RNG_CHUNK 4096     /* bytes given per request at most */
#define RNG_RETRY_NS 1000000 /* source empty: look again after 1 ms */

typedef struct VirtioRng {
    VirtioDev vdev;
    TesseraRng *rng;
    TesseraTimer *retry;
    bool pending;       /* elem popped, waiting for entropy */
    VirtqElem elem;
} VirtioRng;

static void rng_drop_pending(VirtioRng *s)
{
    if (s->pending)
        virtq_elem_free(&s->elem);
    s->pending = false;
}

static void rng_process(VirtioRng *s)
{
    VirtioDev *vdev = &s->vdev;
    uint8_t buf[RNG_CHUNK];
    bool pushed = false;

    for (;;) {
        if (!s->pending) {
            if (virtq_pop(vdev, 0, &s->elem) != 1)
                break;
            s->pending = true;
        }
        uint64_t want = s->elem.in_len < RNG_CHUNK ? s->elem.in_len
                                                   : RNG_CHUNK;
        long n = want ? tessera_rng_read(s->rng, buf, want) : 0;
        if (n < 0) {
            tessera_log(TESSERA_LOG_GUEST_ERRORS, "%s: entropy source "
                        "failed\n", tessera_dev_name(vdev->dev));
            n = 0;
        } else if (n == 0 && want) {
            /* Nothing now: keep the request and look again later. */
            tessera_timer_mod(s->retry, tessera_clock_ns() + RNG_RETRY_NS);
            break;
        }
        int64_t w = virtq_elem_write(vdev, &s->elem, 0, buf, (uint64_t)n);
        if (w >= 0)
            virtq_push(vdev, &s->elem, (uint32_t)w);
        rng_drop_pending(s);
        pushed = true;
        if (w < 0)
            break;
    }
    if (pushed)
        virtq_notify(vdev, 0);
}

static void rng_notify(VirtioDev *vdev, unsigned q)
{
    rng_process(vdev->opaque);
}

static void rng_retry(void *opaque)
{
    rng_process(opaque);
}

static void rng_reset(VirtioDev *vdev)
{
    VirtioRng *s = vdev->opaque;
    rng_drop_pending(s);
    tessera_timer_del(s->retry);
}

static const VirtioDevOps rng_ops = {
    .device_id = VIRTIO_ID_RNG,
    .num_queues = 1,
    .queue_size = RNG_QUEUE_SIZE,
    .notify = rng_notify,
    .reset = rng_reset,
};

static int rng_realize(TesseraDevice *dev, void *state)
{
    VirtioRng *s = state;
    s->rng = tessera_rng_find(tessera_dev_prop_str(dev, "rng"));
    if (!s->rng)
        return -1;
    s->retry = tessera_timer_new(rng_retry, s);
    return virtio_init(&s->vdev, dev, &rng_ops, s);
}

static void rng_dev_reset(TesseraDevice *dev, void *state)
{
    VirtioRng *s = state;
    virtio_reset(&s->vdev);
}

static int rng_fdt(TesseraDevice *dev, void *state, void *fdt, int parent)
{
    VirtioRng *s = state;
    return virtio_fdt_node(&s->vdev, fdt, parent);
}

static void rng_finalize(TesseraDevice *dev, void *state)
{
    VirtioRng *s = state;
    rng_drop_pending(s);
    tessera_timer_free(s->retry);
}

static const TesseraProp rng_props[] = {
    VIRTIO_MMIO_PROPS,
    {"rng", TESSERA_PROP_STRING, "",
     "entropy object (-object rng-random,id=ID); default /dev/urandom"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass rng_class = {
    .name = "virtio-rng-device",
    .description = "virtio entropy source (virtio-mmio)",
    .props = rng_props,
    .state_size = sizeof(VirtioRng),
    .realize = rng_realize,
    .reset = rng_dev_reset,
    .fdt_node = rng_fdt,
    .finalize = rng_finalize,
    .mmio_help = "0x1000 bytes at base (virtio-mmio version 2)",
    .slot_type = "virtio-mmio",
};

static int rng_init(void)
{
    return tessera_register_device(&rng_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "virtio-rng-device", "0.1.0", rng_init);
