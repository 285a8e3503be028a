/* SPDX-License-Identifier: MIT */
/*
 * Character backends: where a device's byte stream goes. Devices see only
 * the TesseraChardev handle (tessera/device.h); the command line creates
 * backends by id (-serial, -chardev, -monitor, -qmp, -nographic).
 *
 * Legacy specs (-serial, -monitor, -qmp): "stdio", "null", "none",
 * "file:PATH", "pty", "unix:PATH[,opts]", "tcp:[HOST]:PORT[,opts]";
 * "mon:SPEC" and "chardev:ID" are resolved by the caller (main.c).
 * -chardev options: "TYPE,id=ID[,path=..][,host=..,port=..][,server=on|off]
 * [,wait=on|off][,reconnect=N][,abstract=on][,tight=on|off][,mux=on]".
 *
 * A backend has front ends: one normally; up to CHR_MAX_FRONTENDS with
 * mux=on, where Ctrl-A c moves the input focus between them (serial port
 * and monitor). Everyone's output goes out.
 */
#ifndef KERNEL_CHARDEV_H
#define KERNEL_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>

#include <tessera/device.h>

#define CHR_MAX_FRONTENDS 4

typedef enum ChrEvent {
    CHR_EVENT_OPENED, /* a peer connected (or the backend is ready) */
    CHR_EVENT_CLOSED, /* the peer went away */
    CHR_EVENT_FOCUS,  /* this front end got the mux's input focus */
} ChrEvent;

/* Creates backend id from a legacy spec; NULL with a reason in err. */
TesseraChardev *chardev_new(const char *id, const char *spec, char *err,
                            size_t errlen);
/* Creates a backend from -chardev text "TYPE,id=ID,..."; NULL with err. */
TesseraChardev *chardev_new_opts(const char *opts, char *err, size_t errlen);
/* Makes name another id of chr (-serial chardev:ID). */
void chardev_alias(const char *name, TesseraChardev *chr);
/* The backend named id, or NULL. */
TesseraChardev *chardev_find(const char *id);
const char *chardev_id(TesseraChardev *chr);
/* Turns multiplexing on (mon:stdio). */
void chardev_set_mux(TesseraChardev *chr);
bool chardev_is_mux(TesseraChardev *chr);
/* True when a front end is attached and the backend is not a mux. */
bool chardev_busy(TesseraChardev *chr);
/*
 * Attaches a core front end (monitor, QMP). Its input is delivered only
 * from chardev_poll(), never from inside a device callback; event() (may be
 * NULL) hears about connections and focus. The first front end of a mux
 * has the focus. False when a non-mux backend already has a front end.
 */
bool chardev_add_frontend(TesseraChardev *chr, int (*can_read)(void *opaque),
                          void (*receive)(void *opaque, const uint8_t *buf,
                                          size_t len),
                          void (*event)(void *opaque, ChrEvent ev),
                          void *opaque);
/*
 * Moves pending input to receivers that accept it. Waits up to timeout_ms
 * for input when nothing is pending (0: do not wait, -1: wait forever).
 * Returns true when some input was delivered.
 */
bool chardev_poll(int timeout_ms);
/*
 * An extra descriptor (the scheduler's bottom-half eventfd, -1 for none)
 * that chardev_poll() also waits on; when it is readable, chardev_poll()
 * returns true without reading it.
 */
void chardev_set_wakeup_fd(int fd);
/*
 * Writes out the output the backends buffer (kernel/chardev.c says when
 * that happens by itself). Whoever writes to a descriptor a backend may
 * share (stdout, stderr) calls it first, so that the guest's earlier
 * output comes first.
 */
void chardev_flush(void);
/* Writes buffered output, restores the terminal, closes everything. */
void chardev_cleanup(void);

#endif
