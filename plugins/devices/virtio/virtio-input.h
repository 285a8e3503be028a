/* SPDX-License-Identifier: MIT */
/*
 * The virtio input device (virtio 1.2, 5.8), shared by the models
 * virtio-keyboard-device, virtio-mouse-device and virtio-tablet-device
 * (one file each, compiled with this code into each module). A model
 * describes what its device reports (VirtioInputDesc); this code answers
 * the driver's configuration queries (select/subsel), turns the core's
 * input events (tessera/input.h) into eventq buffers and takes the
 * driver's status events (LEDs) from statusq.
 */
#ifndef PLUGINS_DEVICES_VIRTIO_INPUT_H
#define PLUGINS_DEVICES_VIRTIO_INPUT_H

#include <tessera/input.h>

#include "virtio.h"

#define VIRTIO_ID_INPUT 18

/* Configuration selectors (virtio_input_config.select). */
#define VIRTIO_INPUT_CFG_UNSET 0x00
#define VIRTIO_INPUT_CFG_ID_NAME 0x01
#define VIRTIO_INPUT_CFG_ID_SERIAL 0x02
#define VIRTIO_INPUT_CFG_ID_DEVIDS 0x03
#define VIRTIO_INPUT_CFG_PROP_BITS 0x10
#define VIRTIO_INPUT_CFG_EV_BITS 0x11
#define VIRTIO_INPUT_CFG_ABS_INFO 0x12

/* Events queued for the guest while it has no buffers; beyond this the
 * oldest is dropped (with a message). */
#define VIRTIO_INPUT_QUEUE_MAX 256

typedef struct VirtioInputAbs {
    uint16_t axis;
    int32_t min, max, fuzz, flat, res;
} VirtioInputAbs;

/* What a model reports. */
typedef struct VirtioInputDesc {
    const char *name;       /* ID_NAME */
    uint16_t bustype, vendor, product, version; /* ID_DEVIDS */
    unsigned kinds;         /* TESSERA_INPUT_* it registers for */
    const uint16_t *keys;   /* EV_KEY codes, 0-terminated (may be NULL) */
    const uint16_t *rels;   /* EV_REL codes, 0xffff-terminated */
    const VirtioInputAbs *abs; /* axes, axis 0xffff ends */
    const uint16_t *leds;   /* EV_LED codes, 0xffff-terminated */
    bool rep;               /* EV_REP (the guest repeats keys itself) */
    bool keys_from_qcodes;  /* EV_KEY: also every key with a QEMU name */
} VirtioInputDesc;

typedef struct VirtioInput {
    VirtioDev vdev;
    const VirtioInputDesc *desc;
    TesseraInputHandle *in;
    TesseraInputEvent q[VIRTIO_INPUT_QUEUE_MAX]; /* ring of pending events */
    unsigned q_head, q_len;
    unsigned q_synced;  /* events at the head that end with a SYN */
    uint64_t dropped;
    char serial[64];
} VirtioInput;

/* The class callbacks of every model (state is a VirtioInput). */
int virtio_input_realize(TesseraDevice *dev, VirtioInput *s,
                         const VirtioInputDesc *desc);
void virtio_input_dev_reset(TesseraDevice *dev, void *state);
int virtio_input_fdt(TesseraDevice *dev, void *state, void *fdt, int parent);
void virtio_input_finalize(TesseraDevice *dev, void *state);

/* The properties of every model. */
#define VIRTIO_INPUT_PROPS                                                 \
    VIRTIO_MMIO_PROPS,                                                     \
    {"serial", TESSERA_PROP_STRING, "", "ID_SERIAL string (default none)"}

/* Config-space handling, exposed for the fuzz target: fills the union for
 * the current select/subsel. */
void virtio_input_fill_config(VirtioInput *s);

#endif
