/* SPDX-License-Identifier: MIT */
/* Vector table and reset for the ARM guest tests (M-profile). */
#include "start.h"

    vectors_start
    .word nmi_handler
    .word hardfault_handler
    .word memmanage_handler
    .word busfault_handler
    .word usagefault_handler
    .word 0, 0, 0, 0
    .word svc_handler
    .word debugmon_handler
    .word 0
    .word pendsv_handler
    .word systick_handler
#ifndef RT_NIRQ
#define RT_NIRQ 32 /* mps2-an511 has 64 */
#endif
    .rept RT_NIRQ
    .word irq_handler
    .endr

    reset_handler_start
    bl main
    bl rt_exit
3:  b 3b

