/* SPDX-License-Identifier: MIT */
/*
 * The virtio input device (virtio 1.2, 5.8): see virtio-input.h.
 *
 * Configuration space (136 bytes): select (u8), subsel (u8), size (u8),
 * 5 reserved bytes, then a 128-byte union: a string (ID_NAME,
 * ID_SERIAL), a bitmap (PROP_BITS, EV_BITS for event type subsel), an
 * absinfo (ABS_INFO for axis subsel: min, max, fuzz, flat, res as le32)
 * or the device ids (ID_DEVIDS: bustype, vendor, product, version as
 * le16). The driver writes select and subsel; size says how many bytes of
 * the union answer, 0 for a query the device has no answer to (an
 * unknown select, an event type it does not report). Nothing the driver
 * writes is trusted: every value of select and subsel gives a defined
 * answer.
 *
 * eventq (0): device-writable buffers of 8 bytes (le16 type, le16 code,
 * le32 value), one event each. statusq (1): device-readable buffers of
 * the same shape from the driver (EV_LED for the keyboard's LEDs), taken
 * and logged.
 */
#include <stdio.h>
#include <string.h>

#include <tessera/device.h>
#include <tessera/input.h>

#include "virtio-input.h"

#define INPUT_QUEUE_SIZE 64
#define CFG_SELECT 0
#define CFG_SUBSEL 1
#define CFG_SIZE 2
#define CFG_UNION 8
#define CFG_UNION_LEN 128
#define CFG_LEN (CFG_UNION + CFG_UNION_LEN)

#define EVENT_Q 0
#define STATUS_Q 1

/* QEMU's key names: the keyboard reports every key it can send (the
 * same Linux codes as kernel/input.c's table). */
static const uint16_t qcode_keys[] = {
    42, 54, 56, 100, 29, 97, 139, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
    13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 30,
    31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49,
    50, 51, 52, 53, 55, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69,
    70, 98, 74, 78, 96, 83, 99, 82, 79, 80, 81, 75, 76, 77, 71, 72, 73, 86,
    87, 88, 210, 102, 104, 109, 107, 105, 103, 108, 106, 110, 111, 128,
    129, 130, 131, 132, 133, 134, 135, 136, 137, 101, 138, 125, 126, 127,
    119, 89, 91, 92, 124, 94, 93, 121, 117, 116, 142, 143, 163, 165, 166,
    164, 113, 115, 114, 226, 155, 140, 157, 172, 158, 159, 173, 156, 122,
    123, 183, 184, 185, 186, 187, 188, 189, 190, 191, 192, 193, 194, 0,
};

static void set_bit(uint8_t *map, unsigned bit)
{
    if (bit < CFG_UNION_LEN * 8)
        map[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

/* The bitmap's size: bytes up to the last non-zero one. */
static unsigned bitmap_len(const uint8_t *map)
{
    unsigned n = CFG_UNION_LEN;
    while (n > 0 && !map[n - 1])
        n--;
    return n;
}

static void ev_bits(const VirtioInputDesc *d, unsigned type, uint8_t *map)
{
    switch (type) {
    case TESSERA_EV_KEY:
        for (const uint16_t *k = d->keys; k && *k; k++)
            set_bit(map, *k);
        if (d->keys_from_qcodes)
            for (const uint16_t *k = qcode_keys; *k; k++)
                set_bit(map, *k);
        break;
    case TESSERA_EV_REL:
        for (const uint16_t *r = d->rels; r && *r != 0xffff; r++)
            set_bit(map, *r);
        break;
    case TESSERA_EV_ABS:
        for (const VirtioInputAbs *a = d->abs; a && a->axis != 0xffff; a++)
            set_bit(map, a->axis);
        break;
    case TESSERA_EV_LED:
        for (const uint16_t *l = d->leds; l && *l != 0xffff; l++)
            set_bit(map, *l);
        break;
    case TESSERA_EV_REP:
        /* An empty bitmap with size 0 would say "no EV_REP": the driver
         * only asks whether the type exists, any bit set says yes. */
        if (d->rep)
            set_bit(map, 0);
        break;
    default:
        break;
    }
}

void virtio_input_fill_config(VirtioInput *s)
{
    VirtioDev *vdev = &s->vdev;
    const VirtioInputDesc *d = s->desc;
    uint8_t sel = vdev->config[CFG_SELECT];
    uint8_t sub = vdev->config[CFG_SUBSEL];
    uint8_t *u = vdev->config + CFG_UNION;
    unsigned size = 0;

    memset(vdev->config + CFG_SIZE, 0, CFG_LEN - CFG_SIZE);
    switch (sel) {
    case VIRTIO_INPUT_CFG_ID_NAME:
    case VIRTIO_INPUT_CFG_ID_SERIAL: {
        const char *str = sel == VIRTIO_INPUT_CFG_ID_NAME ? d->name
                                                          : s->serial;
        if (sub == 0) {
            size = (unsigned)strnlen(str, CFG_UNION_LEN);
            memcpy(u, str, size);
        }
        break;
    }
    case VIRTIO_INPUT_CFG_ID_DEVIDS:
        if (sub == 0) {
            uint16_t ids[4] = {d->bustype, d->vendor, d->product,
                               d->version};
            for (unsigned i = 0; i < 4; i++) {
                u[2 * i] = (uint8_t)ids[i];
                u[2 * i + 1] = (uint8_t)(ids[i] >> 8);
            }
            size = 8;
        }
        break;
    case VIRTIO_INPUT_CFG_PROP_BITS:
        /* No input properties (INPUT_PROP_*): size 0. */
        break;
    case VIRTIO_INPUT_CFG_EV_BITS:
        ev_bits(d, sub, u);
        size = bitmap_len(u);
        break;
    case VIRTIO_INPUT_CFG_ABS_INFO:
        for (const VirtioInputAbs *a = d->abs; a && a->axis != 0xffff; a++) {
            if (a->axis != sub)
                continue;
            int32_t v[5] = {a->min, a->max, a->fuzz, a->flat, a->res};
            for (unsigned i = 0; i < 5; i++)
                virtio_config_set32(vdev, CFG_UNION + 4 * i, (uint32_t)v[i]);
            size = 20;
            break;
        }
        break;
    default: /* UNSET and unknown selectors: nothing */
        break;
    }
    vdev->config[CFG_SIZE] = (uint8_t)size;
}

static void input_config_write(VirtioDev *vdev, unsigned off, unsigned size)
{
    VirtioInput *s = vdev->opaque;
    /* Only select and subsel are the driver's; anything else it wrote is
     * overwritten by the answer. */
    (void)off;
    (void)size;
    virtio_input_fill_config(s);
}

/* ---------------------------------------------------------------------- */
/* eventq                                                                  */

static void flush_events(VirtioInput *s)
{
    VirtioDev *vdev = &s->vdev;
    bool pushed = false;

    while (s->q_len > 0) {
        VirtqElem e;
        int r = virtq_pop(vdev, EVENT_Q, &e);
        if (r != 1)
            break;
        const TesseraInputEvent *ev = &s->q[s->q_head];
        uint8_t b[8] = {
            (uint8_t)ev->type, (uint8_t)(ev->type >> 8),
            (uint8_t)ev->code, (uint8_t)(ev->code >> 8),
            (uint8_t)ev->value, (uint8_t)((uint32_t)ev->value >> 8),
            (uint8_t)((uint32_t)ev->value >> 16),
            (uint8_t)((uint32_t)ev->value >> 24),
        };
        int64_t w = virtq_elem_write(vdev, &e, 0, b, sizeof(b));
        if (w < 0) { /* guest memory gone: the device is broken now */
            virtq_elem_free(&e);
            break;
        }
        if (w < (int64_t)sizeof(b))
            tessera_log(TESSERA_LOG_GUEST_ERRORS, "%s: eventq buffer of %"
                        "lld bytes, an event needs 8\n",
                        tessera_dev_name(vdev->dev), (long long)e.in_len);
        virtq_push(vdev, &e, (uint32_t)w);
        virtq_elem_free(&e);
        pushed = true;
        s->q_head = (s->q_head + 1) % VIRTIO_INPUT_QUEUE_MAX;
        s->q_len--;
    }
    if (pushed)
        virtq_notify(vdev, EVENT_Q);
}

static void input_event(void *opaque, const TesseraInputEvent *ev)
{
    VirtioInput *s = opaque;
    /* No driver: a device that is not enabled reports nothing (and no
     * stale keys arrive when the driver starts). */
    if (!virtio_running(&s->vdev))
        return;
    if (s->q_len == VIRTIO_INPUT_QUEUE_MAX) {
        if (!s->dropped)
            tessera_warn("%s: the guest takes no input events, dropping the "
                         "oldest", tessera_dev_name(s->vdev.dev));
        s->dropped++;
        s->q_head = (s->q_head + 1) % VIRTIO_INPUT_QUEUE_MAX;
        s->q_len--;
    }
    s->q[(s->q_head + s->q_len) % VIRTIO_INPUT_QUEUE_MAX] = *ev;
    s->q_len++;
    if (ev->type == TESSERA_EV_SYN)
        flush_events(s);
}

/* ---------------------------------------------------------------------- */
/* statusq                                                                 */

static void take_status(VirtioInput *s)
{
    VirtioDev *vdev = &s->vdev;
    VirtqElem e;
    bool pushed = false;

    while (virtq_pop(vdev, STATUS_Q, &e) == 1) {
        uint8_t b[8] = {0};
        int64_t n = virtq_elem_read(vdev, &e, 0, b, sizeof(b));
        if (n == (int64_t)sizeof(b)) {
            unsigned type = b[0] | b[1] << 8, code = b[2] | b[3] << 8;
            uint32_t value = b[4] | b[5] << 8 | b[6] << 16 |
                             (uint32_t)b[7] << 24;
            tessera_log(TESSERA_LOG_UNIMP, "%s: status event type %u code "
                        "%u value %u (ignored)\n",
                        tessera_dev_name(vdev->dev), type, code, value);
        } else if (n >= 0) {
            tessera_log(TESSERA_LOG_GUEST_ERRORS, "%s: statusq buffer of "
                        "%lld bytes, an event is 8\n",
                        tessera_dev_name(vdev->dev), (long long)n);
        }
        virtq_push(vdev, &e, 0);
        virtq_elem_free(&e);
        pushed = true;
        if (n < 0)
            break;
    }
    if (pushed)
        virtq_notify(vdev, STATUS_Q);
}

static void input_notify(VirtioDev *vdev, unsigned q)
{
    VirtioInput *s = vdev->opaque;
    if (q == EVENT_Q)
        flush_events(s);
    else if (q == STATUS_Q)
        take_status(s);
}

static void input_reset(VirtioDev *vdev)
{
    VirtioInput *s = vdev->opaque;
    s->q_head = s->q_len = 0;
    memset(vdev->config, 0, CFG_LEN);
}

static void input_status(VirtioDev *vdev, uint32_t status)
{
    VirtioInput *s = vdev->opaque;
    /* The driver started: this device takes the input now, as the most
     * recently plugged one does. */
    if (status & VIRTIO_STATUS_DRIVER_OK)
        tessera_input_activate(s->in);
}

static const VirtioDevOps input_ops = {
    .device_id = VIRTIO_ID_INPUT,
    .num_queues = 2,
    .queue_size = INPUT_QUEUE_SIZE,
    .config_len = CFG_LEN,
    .notify = input_notify,
    .config_write = input_config_write,
    .reset = input_reset,
    .status = input_status,
};

int virtio_input_realize(TesseraDevice *dev, VirtioInput *s,
                         const VirtioInputDesc *desc)
{
    s->desc = desc;
    snprintf(s->serial, sizeof(s->serial), "%s",
             tessera_dev_prop_str(dev, "serial"));
    if (virtio_init(&s->vdev, dev, &input_ops, s) < 0)
        return -1;
    s->in = tessera_input_register(dev, desc->kinds, input_event, s);
    return s->in ? 0 : -1;
}

void virtio_input_dev_reset(TesseraDevice *dev, void *state)
{
    VirtioInput *s = state;
    (void)dev;
    virtio_reset(&s->vdev);
}

int virtio_input_fdt(TesseraDevice *dev, void *state, void *fdt, int parent)
{
    VirtioInput *s = state;
    (void)dev;
    return virtio_fdt_node(&s->vdev, fdt, parent);
}

void virtio_input_finalize(TesseraDevice *dev, void *state)
{
    VirtioInput *s = state;
    (void)dev;
    tessera_input_unregister(s->in);
    s->in = NULL;
}
