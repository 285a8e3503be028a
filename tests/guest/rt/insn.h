/* SPDX-License-Identifier: MIT */
/*
 * Run one named instruction on given operands, so a test controls exactly
 * which instruction executes (the compiler would otherwise pick its own and
 * fold constants). Expected values in the tests are compile-time constants.
 * The templates turn compression off: these are the 32-bit encodings, the
 * compressed forms have their own test.
 */
#ifndef INSN_H
#define INSN_H

#include "rt.h"

#define NORVC_BEGIN ".option push\n\t.option norvc\n\t"
#define NORVC_END "\n\t.option pop"

/* rd = op rs1, rs2 */
#define RR(op, a, b) ({                                                     \
    ulong r_;                                                               \
    __asm__ volatile(NORVC_BEGIN #op " %0, %1, %2" NORVC_END                \
                     : "=r"(r_) : "r"((ulong)(a)), "r"((ulong)(b)));        \
    r_; })

/* rd = op rs1, imm */
#define RI(op, a, imm) ({                                                   \
    ulong r_;                                                               \
    __asm__ volatile(NORVC_BEGIN #op " %0, %1, %2" NORVC_END                \
                     : "=r"(r_) : "r"((ulong)(a)), "i"(imm));               \
    r_; })

/* 1 if "op a, b, target" branches, else 0 */
#define BR(op, a, b) ({                                                     \
    ulong t_;                                                               \
    __asm__ volatile(NORVC_BEGIN #op " %1, %2, 1f\n\t"                      \
                     "li %0, 0\n\t"                                         \
                     "j 2f\n"                                               \
                     "1:\tli %0, 1\n"                                       \
                     "2:" NORVC_END                                         \
                     : "=&r"(t_) : "r"((ulong)(a)), "r"((ulong)(b)));       \
    (int)t_; })

/* rd = load op from p + off */
#define LD(op, p, off) ({                                                   \
    ulong r_;                                                               \
    __asm__ volatile(NORVC_BEGIN #op " %0, %2(%1)" NORVC_END                \
                     : "=r"(r_) : "r"(p), "i"(off) : "memory");             \
    r_; })

/* store op of v to p + off */
#define ST(op, p, off, v)                                                   \
    __asm__ volatile(NORVC_BEGIN #op " %0, %2(%1)" NORVC_END                \
                     :: "r"((ulong)(v)), "r"(p), "i"(off) : "memory")

#endif
