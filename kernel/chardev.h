/* SPDX-License-Identifier: MIT */
/*
 * Character backends: where a device's byte stream goes. Devices see only
 * the TesseraChardev handle (tessera/device.h); the command line creates
 * backends by id (-serial, -chardev, -nographic).
 *
 * Specs: "stdio", "null", "file:PATH" (output to PATH, no input),
 * "none" (same as null).
 */
#ifndef KERNEL_CHARDEV_H
#define KERNEL_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>

#include <tessera/device.h>

/* Creates backend id from spec; NULL with a reason in err. */
TesseraChardev *chardev_new(const char *id, const char *spec, char *err,
                            size_t errlen);
/* The backend named id, or NULL. */
TesseraChardev *chardev_find(const char *id);
/*
 * Moves pending input to receivers that accept it. Waits up to timeout_ms
 * for input when nothing is pending (0: do not wait, -1: wait forever).
 * Returns true when some input was delivered.
 */
bool chardev_poll(int timeout_ms);
/* Restores the terminal and closes everything (at exit). */
void chardev_cleanup(void);

#endif
