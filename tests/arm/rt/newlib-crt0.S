/* SPDX-License-Identifier: MIT */
/* Start-up of the newlib guest (tests/arm/newlib.c): a vector table whose
 * every fault ends the run, .bss cleared, newlib's constructors and its
 * semihosting handles (librdimon), main, exit. */
#include "start.h"

    vectors_start
    .rept 14
    .word fault_handler
    .endr

    reset_handler_start
    bl initialise_monitor_handles
    bl __libc_init_array
    bl main
    bl exit
3:  b 3b

    .thumb_func
fault_handler:
    movs r0, #99
    bl _exit
    b fault_handler

/* No crti/crtn (-nostartfiles): __libc_init_array calls these. */
    .thumb_func
    .global _init
_init:
    bx lr
    .thumb_func
    .global _fini
_fini:
    bx lr
