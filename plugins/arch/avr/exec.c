/* SPDX-License-Identifier: MIT */
/*
 * AVR: the data space seen from C, and the helpers that translated blocks
 * call on slow paths (pointer accesses outside SRAM, stack outside SRAM),
 * for interrupts-enable bookkeeping and for the few instructions that stay
 * in C (SLEEP, WDR, SPM, invalid opcodes). translate.c emits everything
 * else as IR.
 */
#include <stdio.h>

#include <tessera/device.h>

#include "avr.h"
#include "exec.h"

/* ---------------------------------------------------------------------- */
/* Data space                                                              */

static bool any_pending(const AvrEnv *e)
{
    for (unsigned i = 0; i < AVR_MAX_VECTORS / 64; i++)
        if (e->pending[i])
            return true;
    return false;
}

/*
 * I went from 0 to 1: the next instruction runs before any interrupt. The
 * next block is translated with AVR_TBF_INHIBIT (one instruction, then
 * helper_inhibit_done); the kick ends the current block after this
 * instruction so that the new flags take effect.
 */
static void i_rose(AvrEnv *e)
{
    tessera_cpu_set_tb_flags(e->cpu,
                             tessera_cpu_get_tb_flags(e->cpu) | AVR_TBF_INHIBIT);
    tessera_cpu_kick(e->cpu);
}

static void avr_set_sreg(AvrEnv *e, uint8_t v)
{
    unsigned old_i = e->flag[SR_I];
    for (unsigned i = 0; i < 8; i++)
        e->flag[i] = (v >> i) & 1u;
    if (!old_i && e->flag[SR_I])
        i_rose(e);
}

uint8_t avr_data_read(AvrEnv *e, uint32_t a)
{
    a &= 0xffff;
    if (a < 32)
        return e->r[a];
    switch (a) {
    case AVR_SREG:
        return avr_get_sreg(e);
    case AVR_SPL:
        return e->sp & 0xff;
    case AVR_SPH:
        return e->sp >> 8;
    case AVR_RAMPZ:
        if (e->model->has_rampz)
            return e->rampz;
        break;
    case AVR_EIND:
        if (e->model->pc22)
            return e->eind;
        break;
    case AVR_SMCR:
        return e->smcr;
    }
    uint8_t v;
    if (tessera_phys_read(AVR_DATA_BASE + a, &v, 1) < 0) {
        if (tessera_log_enabled(TESSERA_LOG_UNIMP))
            tessera_log(TESSERA_LOG_UNIMP,
                        "avr: read of unmodelled data address 0x%04x at pc "
                        "0x%05llx\n",
                        a, (unsigned long long)tessera_cpu_get_pc(e->cpu));
        v = 0;
    }
    return v;
}

void avr_data_write(AvrEnv *e, uint32_t a, uint8_t v)
{
    a &= 0xffff;
    if (a < 32) {
        e->r[a] = v;
        return;
    }
    switch (a) {
    case AVR_SREG:
        avr_set_sreg(e, v);
        return;
    case AVR_SPL:
        e->sp = (e->sp & 0xff00) | v;
        return;
    case AVR_SPH:
        e->sp = (e->sp & 0x00ff) | (uint16_t)(v << 8);
        return;
    case AVR_RAMPZ:
        if (e->model->has_rampz) {
            e->rampz = v;
            return;
        }
        break;
    case AVR_EIND:
        if (e->model->pc22) {
            e->eind = v;
            return;
        }
        break;
    case AVR_SMCR:
        e->smcr = v & 0x0f;
        return;
    }
    if (tessera_phys_write(AVR_DATA_BASE + a, &v, 1) < 0 &&
        tessera_log_enabled(TESSERA_LOG_UNIMP))
        tessera_log(TESSERA_LOG_UNIMP,
                    "avr: write 0x%02x to unmodelled data address 0x%04x at "
                    "pc 0x%05llx\n",
                    v, a, (unsigned long long)tessera_cpu_get_pc(e->cpu));
}

static void push8(AvrEnv *e, uint8_t v)
{
    avr_data_write(e, e->sp, v);
    e->sp--;
}

static uint8_t pop8(AvrEnv *e)
{
    e->sp++;
    return avr_data_read(e, e->sp);
}

/* Pushes a return address (a byte address; the stack holds words). */
void avr_push_pc(AvrEnv *e, uint32_t pc)
{
    uint32_t w = pc >> 1;
    push8(e, w & 0xff);
    push8(e, (w >> 8) & 0xff);
    if (e->model->pc22)
        push8(e, (w >> 16) & 0xff);
}

static uint32_t pop_pc(AvrEnv *e)
{
    uint32_t w = 0;
    if (e->model->pc22)
        w = (uint32_t)pop8(e) << 16;
    w |= (uint32_t)pop8(e) << 8;
    w |= pop8(e);
    return (w << 1) % e->model->flash_size;
}

/* ---------------------------------------------------------------------- */
/* Helpers called by translated blocks                                     */

#define UNUSED4 (void)a0, (void)a1, (void)a2, (void)a3

/* Data-space read or write outside SRAM (registers, I/O, unmapped). */
uint64_t avr_helper_ld(void *env, uint64_t a0, uint64_t a1, uint64_t a2,
                       uint64_t a3)
{
    UNUSED4;
    return avr_data_read(env, (uint32_t)a0);
}

uint64_t avr_helper_st(void *env, uint64_t a0, uint64_t a1, uint64_t a2,
                       uint64_t a3)
{
    UNUSED4;
    avr_data_write(env, (uint32_t)a0, (uint8_t)a1);
    return 0;
}

/* CALL's push and RET's pop of the return address with SP outside SRAM. */
uint64_t avr_helper_push_pc(void *env, uint64_t a0, uint64_t a1, uint64_t a2,
                            uint64_t a3)
{
    UNUSED4;
    avr_push_pc(env, (uint32_t)a0);
    return 0;
}

uint64_t avr_helper_pop_pc(void *env, uint64_t a0, uint64_t a1, uint64_t a2,
                           uint64_t a3)
{
    UNUSED4;
    return pop_pc(env);
}

/* After an instruction that wrote I: a0 is I before it. */
uint64_t avr_helper_i_written(void *env, uint64_t a0, uint64_t a1,
                              uint64_t a2, uint64_t a3)
{
    AvrEnv *e = env;
    UNUSED4;
    if (!a0 && e->flag[SR_I])
        i_rose(e);
    return 0;
}

/* End of the instruction that followed SEI/RETI: interrupts may come. */
uint64_t avr_helper_inhibit_done(void *env, uint64_t a0, uint64_t a1,
                                 uint64_t a2, uint64_t a3)
{
    AvrEnv *e = env;
    UNUSED4;
    tessera_cpu_set_tb_flags(e->cpu, tessera_cpu_get_tb_flags(e->cpu) &
                                         ~(uint64_t)AVR_TBF_INHIBIT);
    if (e->flag[SR_I] && any_pending(e))
        tessera_cpu_kick(e->cpu);
    return 0;
}

/* Sleep: halt until an interrupt, or end the run if none can come. */
uint64_t avr_helper_sleep(void *env, uint64_t a0, uint64_t a1, uint64_t a2,
                          uint64_t a3)
{
    AvrEnv *e = env;
    uint32_t next = (uint32_t)a0;
    bool real_sleep = a1 != 0;
    UNUSED4;
    if (real_sleep && !(e->smcr & 1))
        return 0; /* SLEEP without SE: a NOP */
    if (!e->flag[SR_I]) {
        uint8_t wdt = avr_data_read(e, AVR_WDTCSR);
        if (!(wdt & 0x48)) { /* neither WDIE nor WDE */
            tessera_console_flush(); /* the USART's output first */
            fprintf(stderr, "tessera: avr: sleeping with interrupts off and "
                            "no watchdog: the guest can never wake, "
                            "stopping\n");
            tessera_request_exit(0);
            return 0;
        }
    }
    if (real_sleep) {
        /* Tell the power device (if the board has one) which clocks stop,
         * and ask it whether an enabled wake source still runs. */
        uint8_t mode = e->smcr, wake = 1;
        tessera_phys_write(AVR_SLEEP_STROBE, &mode, 1);
        tessera_phys_read(AVR_SLEEP_STROBE, &wake, 1);
        /* An interrupt already pending (SEI; SLEEP) wakes it at once. */
        if (any_pending(e))
            wake = 1;
        if (!wake) {
            tessera_console_flush(); /* the USART's output first */
            fprintf(stderr, "tessera: avr: sleeping in mode %u with no wake "
                            "source that this mode keeps clocked: the guest "
                            "can never wake, stopping\n",
                    (e->smcr >> 1) & 7);
            tessera_request_exit(0);
            return 0;
        }
    }
    e->sleeping = real_sleep;
    tessera_cpu_set_pc(e->cpu, next);
    tessera_cpu_halt(e->cpu);
    return 0;
}

/* WDR: tell the watchdog. */
uint64_t avr_helper_wdr(void *env, uint64_t a0, uint64_t a1, uint64_t a2,
                        uint64_t a3)
{
    uint8_t one = 1;
    (void)env;
    UNUSED4;
    tessera_phys_write(AVR_IRQ_ACK_BASE + 0xff, &one, 1);
    return 0;
}

uint64_t avr_helper_spm(void *env, uint64_t a0, uint64_t a1, uint64_t a2,
                        uint64_t a3)
{
    (void)env;
    UNUSED4;
    tessera_log(TESSERA_LOG_GUEST_ERRORS | TESSERA_LOG_UNIMP,
                "avr: SPM at 0x%05x ignored (self-programming is not "
                "modelled)\n", (unsigned)a0);
    return 0;
}

/* a0: the opcode, a1: its address. Does not return. */
uint64_t avr_helper_invalid(void *env, uint64_t a0, uint64_t a1, uint64_t a2,
                            uint64_t a3)
{
    AvrEnv *e = env;
    UNUSED4;
    tessera_error("avr: invalid instruction 0x%04x at 0x%05x", (unsigned)a0,
                  (unsigned)a1);
    tessera_request_exit(1);
    tessera_cpu_set_pc(e->cpu, a1);
    tessera_cpu_exit_loop(e->cpu);
}
