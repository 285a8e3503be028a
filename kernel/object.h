/* SPDX-License-Identifier: MIT */
/*
 * -object TYPE,id=ID,...: user-created backend objects. Types: rng-random
 * (filename=, default /dev/urandom) and rng-builtin, for
 * tessera_rng_find() (<tessera/device.h>).
 */
#ifndef KERNEL_OBJECT_H
#define KERNEL_OBJECT_H

/* Parses and creates one object; 0, or -1 after an error message. */
int object_add(const char *spec);
/* Closes and frees every object. */
void object_cleanup(void);

#endif
