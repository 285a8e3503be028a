/* SPDX-License-Identifier: MIT */
/*
 * tessera/input.h - keyboards, mice and tablets (ABI 2.3).
 *
 * The core owns the host side of input: a front-end (an SDL window) or the
 * monitor (sendkey, QMP send-key and input-send-event) produces events, and
 * the core routes them to one guest device, as a real machine has one
 * keyboard under the user's hands:
 *
 *  - key events go to the keyboard handler registered or activated last;
 *  - pointer events (relative motion, absolute position, buttons, wheel) go
 *    to the "active pointer": the pointer handler registered or activated
 *    last. Relative motion goes to the last relative pointer, absolute
 *    positions to the last absolute pointer, buttons and the wheel to the
 *    active pointer. A front-end asks the core whether the active pointer
 *    is absolute (a tablet: no grab needed) or relative (a mouse).
 *
 * Events are Linux input events (struct input_event's type, code, value;
 * the numbers of linux/input-event-codes.h, repeated below for the common
 * ones): key codes are positions on a keyboard, independent of the host's
 * layout. Absolute coordinates are 0..TESSERA_INPUT_ABS_MAX whatever the
 * window size. A group of events ends with TESSERA_EV_SYN (code 0, value
 * 0): a device passes a group to its guest at once (virtio-input sends
 * SYN_REPORT), so a move with a button is one report.
 *
 * Everything runs on the machine thread: handlers are called between
 * instruction quanta (or while the CPUs sleep), never from another thread.
 *
 *     static void kbd_event(void *opaque, const TesseraInputEvent *ev)
 *     { ... queue ev for the guest; at TESSERA_EV_SYN, notify ... }
 *     s->in = tessera_input_register(dev, TESSERA_INPUT_KEYBOARD,
 *                                    kbd_event, s);
 */
#ifndef TESSERA_INPUT_H
#define TESSERA_INPUT_H

#include <tessera/device.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Kinds of handler (a mask for tessera_input_register()). */
#define TESSERA_INPUT_KEYBOARD 1u  /* EV_KEY with keyboard key codes */
#define TESSERA_INPUT_REL 2u       /* a mouse: REL_X/Y, wheel, buttons */
#define TESSERA_INPUT_ABS 4u       /* a tablet: ABS_X/Y, wheel, buttons */

/* Event types (Linux's EV_*). */
#define TESSERA_EV_SYN 0x00
#define TESSERA_EV_KEY 0x01
#define TESSERA_EV_REL 0x02
#define TESSERA_EV_ABS 0x03
#define TESSERA_EV_MSC 0x04
#define TESSERA_EV_LED 0x11
#define TESSERA_EV_REP 0x14

/* Relative and absolute axes (REL_*, ABS_*). */
#define TESSERA_REL_X 0x00
#define TESSERA_REL_Y 0x01
#define TESSERA_REL_HWHEEL 0x06
#define TESSERA_REL_WHEEL 0x08
#define TESSERA_ABS_X 0x00
#define TESSERA_ABS_Y 0x01
/** Absolute coordinates run from 0 to this (both axes). */
#define TESSERA_INPUT_ABS_MAX 0x7fff

/* Pointer buttons (BTN_*): EV_KEY codes routed to the pointer. */
#define TESSERA_BTN_LEFT 0x110
#define TESSERA_BTN_RIGHT 0x111
#define TESSERA_BTN_MIDDLE 0x112
#define TESSERA_BTN_SIDE 0x113
#define TESSERA_BTN_EXTRA 0x114
#define TESSERA_BTN_TOUCH 0x14a

/* Some keyboard codes (KEY_*); the rest are Linux's numbers as well. */
#define TESSERA_KEY_ESC 1
#define TESSERA_KEY_ENTER 28
#define TESSERA_KEY_LEFTCTRL 29
#define TESSERA_KEY_A 30
#define TESSERA_KEY_LEFTSHIFT 42
#define TESSERA_KEY_LEFTALT 56
#define TESSERA_KEY_SPACE 57
/** Key codes are below this (Linux's KEY_CNT). */
#define TESSERA_KEY_CNT 0x300

/* LEDs (EV_LED codes) a guest may set on a keyboard. */
#define TESSERA_LED_NUML 0
#define TESSERA_LED_CAPSL 1
#define TESSERA_LED_SCROLLL 2

/** One event: Linux's type, code and value (key: 1 down, 0 up). */
typedef struct TesseraInputEvent {
    uint16_t type;
    uint16_t code;
    int32_t value;
} TesseraInputEvent;

typedef void (*TesseraInputHandler)(void *opaque,
                                    const TesseraInputEvent *ev);

typedef struct TesseraInputHandle TesseraInputHandle;

/**
 * Registers dev as an input device of the given kinds (a mask of
 * TESSERA_INPUT_*; a keyboard and a pointer in one device may give both)
 * and makes it the active one of its kinds. handler gets every event
 * routed to it, then a TESSERA_EV_SYN event at the end of each group.
 * Call from realize(). Returns NULL after an error message for an empty
 * kind mask.
 */
TesseraInputHandle *tessera_input_register(TesseraDevice *dev,
                                           unsigned kinds,
                                           TesseraInputHandler handler,
                                           void *opaque);
/**
 * Makes the handler the active one of its kinds again (e.g. when its
 * guest driver starts), as the most recently registered one is.
 */
void tessera_input_activate(TesseraInputHandle *h);
/** Removes the handler (from finalize()). NULL is allowed. */
void tessera_input_unregister(TesseraInputHandle *h);

#ifdef __cplusplus
}
#endif

#endif
