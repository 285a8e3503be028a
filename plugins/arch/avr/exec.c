/* SPDX-License-Identifier: MIT */
/*
 * AVR instruction semantics. Each guest instruction runs as one helper
 * call: AVR instructions are small but set up to six flags each, and a C
 * function per instruction keeps every flag rule next to the instruction
 * it belongs to (the AVR Instruction Set Manual's "Boolean formula" lines).
 */
#include <stdio.h>

#include <tessera/device.h>

#include "avr.h"
#include "exec.h"

/* ---------------------------------------------------------------------- */
/* Data space                                                              */

static void avr_kick_if_pending(AvrEnv *e)
{
    if (!(e->sreg & (1u << SR_I)))
        return;
    for (unsigned i = 0; i < AVR_MAX_VECTORS / 64; i++)
        if (e->pending[i])
            tessera_cpu_kick(e->cpu);
}

static void avr_set_sreg(AvrEnv *e, uint8_t v)
{
    uint8_t old = e->sreg;
    e->sreg = v;
    if (!(old & (1u << SR_I)) && (v & (1u << SR_I))) {
        /* The instruction after the one that sets I runs first. */
        e->irq_inhibit = true;
        avr_kick_if_pending(e);
    }
}

uint8_t avr_data_read(AvrEnv *e, uint32_t a)
{
    a &= 0xffff;
    if (a < 32)
        return e->r[a];
    switch (a) {
    case AVR_SREG:
        return e->sreg;
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

static uint8_t flash_byte(uint32_t addr)
{
    uint8_t v = 0xff;
    tessera_phys_read(addr, &v, 1);
    return v;
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
/* Flags                                                                   */

#define B(x, n) (((x) >> (n)) & 1u)

static void set_flag(AvrEnv *e, unsigned f, unsigned v)
{
    e->sreg = (uint8_t)((e->sreg & ~(1u << f)) | ((v & 1u) << f));
}

/* N, Z from the result; S = N ^ V with V already set. */
static void flags_nzs(AvrEnv *e, uint8_t r)
{
    set_flag(e, SR_N, B(r, 7));
    set_flag(e, SR_Z, r == 0);
    set_flag(e, SR_S, B(r, 7) ^ B(e->sreg, SR_V));
}

static uint8_t do_add(AvrEnv *e, uint8_t d, uint8_t s, unsigned carry)
{
    uint8_t r = (uint8_t)(d + s + carry);
    unsigned c = (d & s) | (s & ~r) | (~r & d);
    set_flag(e, SR_H, B(c, 3));
    set_flag(e, SR_C, B(c, 7));
    set_flag(e, SR_V, B((d & s & ~r) | (~d & ~s & r), 7));
    flags_nzs(e, r);
    return r;
}

/* keep_z: SBC/SBCI/CPC leave Z set only if it was set and r is 0. */
static uint8_t do_sub(AvrEnv *e, uint8_t d, uint8_t s, unsigned carry,
                      bool keep_z)
{
    uint8_t r = (uint8_t)(d - s - carry);
    unsigned oldz = B(e->sreg, SR_Z);
    unsigned c = (~d & s) | (s & r) | (r & ~d);
    set_flag(e, SR_H, B(c, 3));
    set_flag(e, SR_C, B(c, 7));
    set_flag(e, SR_V, B((d & ~s & ~r) | (~d & s & r), 7));
    flags_nzs(e, r);
    if (keep_z)
        set_flag(e, SR_Z, r == 0 && oldz);
    return r;
}

static uint8_t do_logic(AvrEnv *e, uint8_t r)
{
    set_flag(e, SR_V, 0);
    flags_nzs(e, r);
    return r;
}

/* Right shifts: C = bit 0 of the operand, V = N ^ C. */
static uint8_t do_shr(AvrEnv *e, uint8_t d, uint8_t r)
{
    set_flag(e, SR_C, B(d, 0));
    set_flag(e, SR_N, B(r, 7));
    set_flag(e, SR_V, B(r, 7) ^ B(d, 0));
    set_flag(e, SR_Z, r == 0);
    set_flag(e, SR_S, B(e->sreg, SR_N) ^ B(e->sreg, SR_V));
    return r;
}

static void mul_result(AvrEnv *e, uint32_t p, unsigned c, bool fractional)
{
    uint16_t r = fractional ? (uint16_t)(p << 1) : (uint16_t)p;
    e->r[0] = r & 0xff;
    e->r[1] = r >> 8;
    set_flag(e, SR_C, c);
    set_flag(e, SR_Z, r == 0);
}

static uint16_t reg16(AvrEnv *e, unsigned lo)
{
    return (uint16_t)(e->r[lo] | (e->r[lo + 1] << 8));
}

static void set_reg16(AvrEnv *e, unsigned lo, uint16_t v)
{
    e->r[lo] = v & 0xff;
    e->r[lo + 1] = v >> 8;
}

/* ---------------------------------------------------------------------- */
/* The instructions                                                        */

static void invalid(AvrEnv *e, uint32_t pc, uint16_t op)
{
    tessera_error("avr: invalid instruction 0x%04x at 0x%05x", op, pc);
    tessera_request_exit(1);
    tessera_cpu_set_pc(e->cpu, pc);
    tessera_cpu_exit_loop(e->cpu);
}

/* Indirect loads and stores: mode bits 0-3 of the opcode. */
static void ld_st(AvrEnv *e, uint16_t op, bool store)
{
    unsigned d = (op >> 4) & 31;
    unsigned mode = op & 15;
    unsigned ptr;
    int pre = 0, post = 0;
    switch (mode) {
    case 0x1: ptr = 30; post = 1; break;
    case 0x2: ptr = 30; pre = -1; break;
    case 0x9: ptr = 28; post = 1; break;
    case 0xa: ptr = 28; pre = -1; break;
    case 0xc: ptr = 26; break;
    case 0xd: ptr = 26; post = 1; break;
    case 0xe: ptr = 26; pre = -1; break;
    default: return;
    }
    uint16_t a = (uint16_t)(reg16(e, ptr) + pre);
    if (store) {
        uint8_t v = e->r[d]; /* the value before any pointer update */
        set_reg16(e, ptr, (uint16_t)(a + post));
        avr_data_write(e, a, v);
    } else {
        set_reg16(e, ptr, (uint16_t)(a + post));
        e->r[d] = avr_data_read(e, a);
    }
}

/* Sleep: halt until an interrupt, or end the run if none can come. */
static void do_sleep(AvrEnv *e, uint32_t next, bool real_sleep)
{
    if (!(e->sreg & (1u << SR_I))) {
        uint8_t wdt = avr_data_read(e, AVR_WDTCSR);
        if (!(wdt & 0x48)) { /* neither WDIE nor WDE */
            fprintf(stderr, "tessera: avr: sleeping with interrupts off and "
                            "no watchdog: the guest can never wake, "
                            "stopping\n");
            tessera_request_exit(0);
            return;
        }
    }
    if (real_sleep) {
        /* Tell the power device (if the board has one) which clocks stop,
         * and ask it whether an enabled wake source still runs. */
        uint8_t mode = e->smcr, wake = 1;
        tessera_phys_write(AVR_SLEEP_STROBE, &mode, 1);
        tessera_phys_read(AVR_SLEEP_STROBE, &wake, 1);
        /* An interrupt already pending (SEI; SLEEP) wakes it at once. */
        for (unsigned i = 0; i < AVR_MAX_VECTORS / 64; i++)
            if (e->pending[i])
                wake = 1;
        if (!wake) {
            fprintf(stderr, "tessera: avr: sleeping in mode %u with no wake "
                            "source that this mode keeps clocked: the guest "
                            "can never wake, stopping\n",
                    (e->smcr >> 1) & 7);
            tessera_request_exit(0);
            return;
        }
    }
    e->sleeping = real_sleep;
    tessera_cpu_set_pc(e->cpu, next);
    tessera_cpu_halt(e->cpu);
}

uint64_t avr_helper_exec(void *env, uint64_t a0, uint64_t a1, uint64_t a2,
                         uint64_t a3)
{
    AvrEnv *e = env;
    uint16_t op = a0 & 0xffff;
    uint16_t op2 = (a0 >> 16) & 0xffff;
    uint32_t pc = (uint32_t)a1;
    uint32_t next_size = (uint32_t)a2; /* skip distance for skips */
    uint32_t next = pc + ((a3 & 1) ? 4 : 2);
    unsigned d5 = (op >> 4) & 31, r5 = (op & 15) | ((op >> 5) & 16);
    unsigned d4 = 16 + ((op >> 4) & 15);
    uint8_t k8 = (uint8_t)(((op >> 4) & 0xf0) | (op & 15));
    uint8_t *R = e->r;

    /* Interrupts are taken between any two instructions: stop here when a
     * timer is due or an interrupt was raised, before this one runs. */
    if (e->irq_inhibit)
        e->irq_inhibit = false;
    else if (tessera_cpu_should_stop(e->cpu)) {
        tessera_cpu_set_pc(e->cpu, pc);
        tessera_cpu_exit_loop(e->cpu);
    }

    switch (op >> 12) {
    case 0x0:
        switch ((op >> 10) & 3) {
        case 0:
            switch ((op >> 8) & 3) {
            case 0:
                if (op != 0)
                    invalid(e, pc, op);
                return next; /* NOP */
            case 1: /* MOVW */
                R[((op >> 4) & 15) * 2] = R[(op & 15) * 2];
                R[((op >> 4) & 15) * 2 + 1] = R[(op & 15) * 2 + 1];
                return next;
            case 2: { /* MULS */
                int32_t p = (int8_t)R[d4] * (int8_t)R[16 + (op & 15)];
                mul_result(e, (uint32_t)p, B(p, 15), false);
                return next;
            }
            case 3: {
                unsigned d = 16 + ((op >> 4) & 7), r = 16 + (op & 7);
                int32_t p;
                bool frac = true;
                switch (op & 0x88) {
                case 0x00: /* MULSU */
                    p = (int8_t)R[d] * (int32_t)R[r];
                    frac = false;
                    break;
                case 0x08: /* FMUL */
                    p = (int32_t)R[d] * R[r];
                    break;
                case 0x80: /* FMULS */
                    p = (int8_t)R[d] * (int8_t)R[r];
                    break;
                default: /* FMULSU */
                    p = (int8_t)R[d] * (int32_t)R[r];
                    break;
                }
                mul_result(e, (uint32_t)p, B(p, 15), frac);
                return next;
            }
            }
            break;
        case 1: /* CPC */
            do_sub(e, R[d5], R[r5], B(e->sreg, SR_C), true);
            return next;
        case 2: /* SBC */
            R[d5] = do_sub(e, R[d5], R[r5], B(e->sreg, SR_C), true);
            return next;
        case 3: /* ADD */
            R[d5] = do_add(e, R[d5], R[r5], 0);
            return next;
        }
        break;
    case 0x1:
        switch ((op >> 10) & 3) {
        case 0: /* CPSE */
            return R[d5] == R[r5] ? next + next_size : next;
        case 1: /* CP */
            do_sub(e, R[d5], R[r5], 0, false);
            return next;
        case 2: /* SUB */
            R[d5] = do_sub(e, R[d5], R[r5], 0, false);
            return next;
        case 3: /* ADC */
            R[d5] = do_add(e, R[d5], R[r5], B(e->sreg, SR_C));
            return next;
        }
        break;
    case 0x2:
        switch ((op >> 10) & 3) {
        case 0: R[d5] = do_logic(e, R[d5] & R[r5]); return next;
        case 1: R[d5] = do_logic(e, R[d5] ^ R[r5]); return next;
        case 2: R[d5] = do_logic(e, R[d5] | R[r5]); return next;
        case 3: R[d5] = R[r5]; return next;
        }
        break;
    case 0x3: do_sub(e, R[d4], k8, 0, false); return next;            /* CPI */
    case 0x4: R[d4] = do_sub(e, R[d4], k8, B(e->sreg, SR_C), true); return next;
    case 0x5: R[d4] = do_sub(e, R[d4], k8, 0, false); return next;    /* SUBI */
    case 0x6: R[d4] = do_logic(e, R[d4] | k8); return next;           /* ORI */
    case 0x7: R[d4] = do_logic(e, R[d4] & k8); return next;           /* ANDI */
    case 0x8:
    case 0xa: { /* LDD/STD with displacement */
        unsigned q = (op & 7) | ((op >> 7) & 0x18) | ((op >> 8) & 0x20);
        uint16_t a = (uint16_t)(reg16(e, (op & 8) ? 28 : 30) + q);
        if (op & 0x200)
            avr_data_write(e, a, R[d5]);
        else
            R[d5] = avr_data_read(e, a);
        return next;
    }
    case 0x9:
        break; /* below */
    case 0xb: { /* IN / OUT */
        unsigned a = ((op & 15) | ((op >> 5) & 0x30)) + 0x20;
        if (op & 0x800)
            avr_data_write(e, a, R[d5]);
        else
            R[d5] = avr_data_read(e, a);
        return next;
    }
    case 0xc: /* RJMP */
        if (op == 0xcfff) {
            /* "rjmp ." (avr-libc's exit loop) only waits for interrupts. */
            do_sleep(e, pc, false);
            return pc;
        }
        return (pc + 2 + (uint32_t)(((int32_t)((uint32_t)op << 20) >> 20) * 2)) %
               e->model->flash_size;
    case 0xd: { /* RCALL */
        avr_push_pc(e, next);
        return (pc + 2 + (uint32_t)(((int32_t)((uint32_t)op << 20) >> 20) * 2)) %
               e->model->flash_size;
    }
    case 0xe: R[d4] = k8; return next; /* LDI */
    case 0xf:
        if (!(op & 0x800)) { /* BRBS / BRBC */
            unsigned s = op & 7;
            bool set = B(e->sreg, s);
            if (set == !(op & 0x400)) {
                int32_t k = (int32_t)((uint32_t)op << 22) >> 25;
                return (pc + 2 + (uint32_t)(k * 2)) % e->model->flash_size;
            }
            return next;
        }
        if (op & 8)
            break;
        switch ((op >> 9) & 3) {
        case 0: /* BLD */
            R[d5] = (uint8_t)((R[d5] & ~(1u << (op & 7))) |
                              (B(e->sreg, SR_T) << (op & 7)));
            return next;
        case 1: set_flag(e, SR_T, B(R[d5], op & 7)); return next; /* BST */
        case 2: return B(R[d5], op & 7) ? next : next + next_size; /* SBRC */
        case 3: return B(R[d5], op & 7) ? next + next_size : next; /* SBRS */
        }
        break;
    }

    /* 0x9xxx */
    switch ((op >> 8) & 15) {
    case 0x0:
    case 0x1: /* loads */
        switch (op & 15) {
        case 0x0: R[d5] = avr_data_read(e, op2); return next; /* LDS */
        case 0x4: case 0x5: { /* LPM Rd, Z(+) */
            uint16_t z = reg16(e, 30);
            R[d5] = flash_byte(z);
            if (op & 1)
                set_reg16(e, 30, (uint16_t)(z + 1));
            return next;
        }
        case 0x6: case 0x7: { /* ELPM Rd, Z(+) */
            if (!e->model->has_rampz)
                break;
            uint32_t z = ((uint32_t)e->rampz << 16) | reg16(e, 30);
            R[d5] = flash_byte(z);
            if (op & 1) {
                z++;
                set_reg16(e, 30, z & 0xffff);
                e->rampz = (z >> 16) & 0xff;
            }
            return next;
        }
        case 0xf: R[d5] = pop8(e); return next; /* POP */
        case 0x3: case 0x8: case 0xb:
            break;
        default:
            ld_st(e, op, false);
            return next;
        }
        break;
    case 0x2:
    case 0x3: /* stores */
        switch (op & 15) {
        case 0x0: avr_data_write(e, op2, R[d5]); return next; /* STS */
        case 0xf: push8(e, R[d5]); return next; /* PUSH */
        case 0x3: case 0x4: case 0x5: case 0x6: case 0x7: case 0x8: case 0xb:
            break; /* XCH/LAS/LAC/LAT are XMEGA only */
        default:
            ld_st(e, op, true);
            return next;
        }
        break;
    case 0x4:
    case 0x5:
        switch (op & 15) {
        case 0x0: /* COM */
            R[d5] = (uint8_t)~R[d5];
            set_flag(e, SR_C, 1);
            do_logic(e, R[d5]);
            return next;
        case 0x1: { /* NEG */
            uint8_t dv = R[d5], r = (uint8_t)-dv;
            set_flag(e, SR_H, B(r | dv, 3));
            set_flag(e, SR_V, r == 0x80);
            set_flag(e, SR_C, r != 0);
            flags_nzs(e, r);
            R[d5] = r;
            return next;
        }
        case 0x2: R[d5] = (uint8_t)((R[d5] << 4) | (R[d5] >> 4)); return next;
        case 0x3: /* INC */
            R[d5]++;
            set_flag(e, SR_V, R[d5] == 0x80);
            flags_nzs(e, R[d5]);
            return next;
        case 0x5: R[d5] = do_shr(e, R[d5], (uint8_t)((R[d5] >> 1) | (R[d5] & 0x80))); return next;
        case 0x6: R[d5] = do_shr(e, R[d5], R[d5] >> 1); return next;
        case 0x7:
            R[d5] = do_shr(e, R[d5], (uint8_t)((R[d5] >> 1) |
                                               (B(e->sreg, SR_C) << 7)));
            return next;
        case 0xa: /* DEC */
            R[d5]--;
            set_flag(e, SR_V, R[d5] == 0x7f);
            flags_nzs(e, R[d5]);
            return next;
        case 0xc: case 0xd: /* JMP */
            return (((uint32_t)((op >> 3) & 0x3e) | (op & 1)) << 17 |
                    (uint32_t)op2 << 1) % e->model->flash_size;
        case 0xe: case 0xf: /* CALL */
            avr_push_pc(e, next);
            return (((uint32_t)((op >> 3) & 0x3e) | (op & 1)) << 17 |
                    (uint32_t)op2 << 1) % e->model->flash_size;
        case 0x8:
            if (op & 0x100) {
                switch ((op >> 4) & 15) {
                case 0x0: /* RET */
                    return pop_pc(e);
                case 0x1: /* RETI */
                    avr_set_sreg(e, e->sreg | (1u << SR_I));
                    return pop_pc(e);
                case 0x8: /* SLEEP */
                    if (e->smcr & 1)
                        do_sleep(e, next, true);
                    return next;
                case 0x9: /* BREAK: a NOP without an on-chip debugger */
                    return next;
                case 0xa: { /* WDR: tell the watchdog */
                    uint8_t one = 1;
                    tessera_phys_write(AVR_IRQ_ACK_BASE + 0xff, &one, 1);
                    return next;
                }
                case 0xc: R[0] = flash_byte(reg16(e, 30)); return next;
                case 0xd:
                    if (!e->model->has_rampz)
                        break;
                    R[0] = flash_byte(((uint32_t)e->rampz << 16) |
                                      reg16(e, 30));
                    return next;
                case 0xe: case 0xf: /* SPM */
                    tessera_log(TESSERA_LOG_GUEST_ERRORS | TESSERA_LOG_UNIMP,
                                "avr: SPM at 0x%05x ignored (self-"
                                "programming is not modelled)\n", pc);
                    return next;
                }
                break;
            }
            /* BSET / BCLR */
            if (op & 0x80)
                avr_set_sreg(e, e->sreg & ~(1u << ((op >> 4) & 7)));
            else
                avr_set_sreg(e, e->sreg | (1u << ((op >> 4) & 7)));
            return next;
        case 0x9: {
            uint32_t z = reg16(e, 30);
            switch (op & 0x1f0) {
            case 0x000: /* IJMP */
                return (z << 1) % e->model->flash_size;
            case 0x010: /* EIJMP */
                if (!e->model->pc22)
                    break;
                return (((uint32_t)e->eind << 17) | (z << 1)) %
                       e->model->flash_size;
            case 0x100: /* ICALL */
                avr_push_pc(e, next);
                return (z << 1) % e->model->flash_size;
            case 0x110: /* EICALL */
                if (!e->model->pc22)
                    break;
                avr_push_pc(e, next);
                return (((uint32_t)e->eind << 17) | (z << 1)) %
                       e->model->flash_size;
            }
            break;
        }
        }
        break;
    case 0x6:
    case 0x7: { /* ADIW / SBIW */
        unsigned d = 24 + ((op >> 3) & 6);
        unsigned k = (op & 15) | ((op >> 2) & 0x30);
        uint16_t v = reg16(e, d);
        uint16_t r = (op & 0x100) ? (uint16_t)(v - k) : (uint16_t)(v + k);
        if (op & 0x100) {
            set_flag(e, SR_V, B(v & ~r, 15));
            set_flag(e, SR_C, B(r & ~v, 15));
        } else {
            set_flag(e, SR_V, B(~v & r, 15));
            set_flag(e, SR_C, B(~r & v, 15));
        }
        set_flag(e, SR_N, B(r, 15));
        set_flag(e, SR_Z, r == 0);
        set_flag(e, SR_S, B(r, 15) ^ B(e->sreg, SR_V));
        set_reg16(e, d, r);
        return next;
    }
    case 0x8: case 0x9: case 0xa: case 0xb: { /* CBI SBIC SBI SBIS */
        unsigned a = ((op >> 3) & 31) + 0x20, bit = op & 7;
        if (op & 0x100) { /* SBIC / SBIS */
            bool set = B(avr_data_read(e, a), bit);
            return set == ((op & 0x200) != 0) ? next + next_size : next;
        }
        /* A PINx write toggles the pins written as 1: SBI toggles one. */
        for (const uint8_t *p = e->model->pin_regs; *p; p++) {
            if (*p == a) {
                if (op & 0x200)
                    avr_data_write(e, a, (uint8_t)(1u << bit));
                return next;
            }
        }
        uint8_t v = avr_data_read(e, a);
        v = (op & 0x200) ? (uint8_t)(v | (1u << bit))
                         : (uint8_t)(v & ~(1u << bit));
        avr_data_write(e, a, v);
        return next;
    }
    default: { /* MUL */
        uint32_t p = (uint32_t)R[d5] * R[r5];
        mul_result(e, p, B(p, 15), false);
        return next;
    }
    }
    invalid(e, pc, op);
    return next;
}
