/* SPDX-License-Identifier: MIT */
/*
 * Bare-metal runtime for the guest test programs: console, exit, checks,
 * trap hook. Built once per (xlen, board); the board is chosen with
 * -DRT_BOARD_VIRT (ns16550a + sifive-test) or -DRT_BOARD_SPIKE (HTIF).
 */
#ifndef RT_H
#define RT_H

#include <stddef.h>
#include <stdint.h>

typedef unsigned long ulong; /* one XLEN-wide register */
typedef long slong;

#define XLEN __riscv_xlen

/* CLINT, the same place on virt and spike; mtime runs at 10 MHz on both. */
#define CLINT_BASE     0x2000000UL
#define CLINT_MSIP     (CLINT_BASE + 0x0)
#define CLINT_MTIMECMP (CLINT_BASE + 0x4000)
#define CLINT_MTIME    (CLINT_BASE + 0xbff8)

#define MCAUSE_INT (1UL << (XLEN - 1))

/* Console. puts() appends a newline like the C library's. */
void putch(char c);
void putstr(const char *s);
void puts(const char *s);
void putx(uint64_t v);          /* 0x-prefixed, no leading zeros */
void putd(int64_t v);           /* signed decimal */
void putu(uint64_t v);          /* unsigned decimal */

_Noreturn void exit(int code);

/*
 * Harts 1..7 call this (on their own 4 KiB stack, mtvec = trap_entry,
 * mie = 0) once hart 0 has cleared .bss and is about to call main. The
 * runtime's weak version sleeps; a program may define its own. Only hart
 * 0 may use the console and the checks.
 */
void secondary_main(ulong hartid);

/*
 * Checks: each call gets the next sequence number; a failing check prints
 * it with the line and values, and the program then exits with the first
 * failing number (capped at 200), so every failure site has its own code.
 */
int check_at(int ok, int line);
int check_eq_at(uint64_t got, uint64_t want, int line);
#define CHECK(c) check_at(!!(c), __LINE__)
#define CHECK_EQ(got, want) check_eq_at((uint64_t)(got), (uint64_t)(want), __LINE__)
/* Prints "<name>: ok" or the failure count; returns the exit code for main. */
int check_done(const char *name);
int check_failures(void);

/* Register frame saved by the trap entry; x[0] is unused. */
struct trap_frame {
    ulong x[32];
    ulong mepc;
    ulong mcause;
    ulong mtval;
};

/*
 * Called for every trap. Return nonzero when handled (the hook may change
 * f->mepc or any saved register); zero makes the runtime report an
 * unexpected trap and exit with code 201.
 */
typedef int (*trap_hook_fn)(struct trap_frame *f);
extern volatile trap_hook_fn trap_hook;
void trap_entry(void);         /* the default direct-mode vector */

/* Length in bytes of the instruction at pc (2 for compressed, else 4). */
int insn_len(ulong pc);
/* Reads the instruction bits at pc without assuming 4-byte alignment. */
uint32_t insn_bits(ulong pc);

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);

#define csr_read(csr) ({ ulong v_; __asm__ volatile("csrr %0, " #csr : "=r"(v_)); v_; })
#define csr_write(csr, val) __asm__ volatile("csrw " #csr ", %0" :: "rK"((ulong)(val)) : "memory")
#define csr_set(csr, val) __asm__ volatile("csrs " #csr ", %0" :: "rK"((ulong)(val)) : "memory")
#define csr_clear(csr, val) __asm__ volatile("csrc " #csr ", %0" :: "rK"((ulong)(val)) : "memory")

static inline uint64_t mmio_read64(ulong addr)
{
#if XLEN == 64
    return *(volatile uint64_t *)addr;
#else
    /* Read high, low, high again so a carry between the halves is seen. */
    volatile uint32_t *p = (volatile uint32_t *)addr;
    uint32_t hi, lo;
    do {
        hi = p[1];
        lo = p[0];
    } while (hi != p[1]);
    return ((uint64_t)hi << 32) | lo;
#endif
}

static inline void mmio_write64(ulong addr, uint64_t v)
{
#if XLEN == 64
    *(volatile uint64_t *)addr = v;
#else
    volatile uint32_t *p = (volatile uint32_t *)addr;
    p[0] = (uint32_t)v;
    p[1] = (uint32_t)(v >> 32);
#endif
}

static inline uint64_t mtime(void) { return mmio_read64(CLINT_MTIME); }

static inline void set_mtimecmp(uint64_t v)
{
#if XLEN == 64
    mmio_write64(CLINT_MTIMECMP, v);
#else
    /* Raise the high half first so no spurious earlier deadline is seen. */
    volatile uint32_t *p = (volatile uint32_t *)CLINT_MTIMECMP;
    p[1] = 0xffffffffu;
    p[0] = (uint32_t)v;
    p[1] = (uint32_t)(v >> 32);
#endif
}

#endif
