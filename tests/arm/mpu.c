/* SPDX-License-Identifier: MIT */
/*
 * The PMSAv7 MPU: region registers, access permissions for privileged and
 * unprivileged code, subregions, overlapping regions (the highest number
 * wins), execute-never, the background map (PRIVDEFENA) and HFNMIENA.
 * Each probe prints whether it faulted and MMFSR/MMFAR; the MemManage
 * handler skips the faulting load or store (or returns from the XN call).
 */
#include "rt/mpu.h"

#define MPU_RBAR_A1 REG32(0xe000eda4)
#define MPU_RASR_A1 REG32(0xe000eda8)

static volatile uint32_t buf[2048] __attribute__((aligned(8192)));
static volatile int faults;
static volatile uint32_t last_cfsr, last_mmfar;

void mm_c(uint32_t *frame, uint32_t exc_return)
{
    (void)exc_return;
    faults++;
    last_cfsr = SCB_CFSR;
    last_mmfar = SCB_MMFAR;
    SCB_CFSR = last_cfsr; /* write one to clear */
    uint32_t pc = frame[6];
    if (last_cfsr & 1) { /* IACCVIOL: back to the caller */
        frame[6] = frame[5] & ~1u;
        return;
    }
    uint16_t hw = *(volatile uint16_t *)pc;
    frame[6] = pc + ((hw >> 11) >= 0x1d ? 4 : 2);
}

__attribute__((naked)) void memmanage_handler(void)
{
    __asm__ volatile("tst lr, #4\n\tite eq\n\tmrseq r0, msp\n\t"
                     "mrsne r0, psp\n\tmov r1, lr\n\tb mm_c");
}

/* SVC: back to privileged thread mode. */
void svc_handler(void)
{
    __asm__ volatile("mrs r0, control\n\tbic r0, r0, #1\n\t"
                     "msr control, r0\n\tisb" ::: "r0");
}

static void unpriv(void)
{
    __asm__ volatile("mrs r0, control\n\torr r0, r0, #1\n\t"
                     "msr control, r0\n\tisb" ::: "r0");
}

static void priv(void)
{
    __asm__ volatile("svc #0" ::: "memory");
}

/* Unprivileged code cannot make semihosting calls (QEMU refuses them):
 * its lines wait in a buffer. */
static char logbuf[2048];
static unsigned loglen;

static void out(const char *s)
{
    while (*s && loglen < sizeof(logbuf) - 1)
        logbuf[loglen++] = *s++;
}

static void outhex(uint32_t v)
{
    char b[11] = "0x";
    for (int i = 0; i < 8; i++)
        b[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 15];
    b[10] = 0;
    out(b);
}

static void flush(void)
{
    logbuf[loglen] = 0;
    rt_puts(logbuf);
    loglen = 0;
}

static void report(const char *what, int before)
{
    out(what);
    if (faults != before) {
        out(" fault ");
        outhex(last_cfsr & 0xff);
        out(" ");
        if (last_cfsr & 0x80)
            outhex(last_mmfar);
        else
            out("-");
    } else {
        out(" ok");
    }
    out("\n");
}

/* A probe NAME(what, p): one load (INSN "%0, [%1...]") or one store of
 * VALUE at p, then its report. */
#define LOAD_PROBE(NAME, INSN)                                             \
    static void NAME(const char *what, volatile uint32_t *p)               \
    {                                                                      \
        int b = faults;                                                    \
        uint32_t v;                                                        \
        __asm__ volatile(INSN : "=r"(v) : "r"(p) : "memory");              \
        (void)v;                                                           \
        report(what, b);                                                   \
    }
#define STORE_PROBE(NAME, INSN, VALUE)                                     \
    static void NAME(const char *what, volatile uint32_t *p)               \
    {                                                                      \
        int b = faults;                                                    \
        __asm__ volatile(INSN : : "r"(VALUE), "r"(p) : "memory");          \
        report(what, b);                                                   \
    }
LOAD_PROBE(rd, "ldr %0, [%1]")
STORE_PROBE(wr, "str %0, [%1]", 0x1234u)
STORE_PROBE(wrb, "strb %0, [%1, #3]", 0x12u)
/* LDRT/STRT: checked as unprivileged even from privileged code. */
LOAD_PROBE(rdt, "ldrt %0, [%1, #4]")
STORE_PROBE(wrt, "strbt %0, [%1, #1]", 0x5au)

static void call(const char *what, volatile uint32_t *p)
{
    int b = faults;
    void (*fn)(void) = (void (*)(void))((uint32_t)p | 1);
    fn();
    report(what, b);
}

int main(void)
{
    SCB_SHCSR |= 1u << 16; /* MEMFAULTENA */
    rt_print("type", MPU_TYPE);
    rt_print("ctrl", MPU_CTRL);

    /* Registers: RBAR with VALID selects the region; aliases. */
    MPU_RBAR = 0x20001000u | 0x10 | 5;
    rt_print("rnr", MPU_RNR);
    MPU_RASR = 0xffffffffu;
    rt_print("rasr", MPU_RASR);
    rt_print("rbar", MPU_RBAR);
    MPU_RNR = 3;
    MPU_RBAR_A1 = 0x12345678u;
    MPU_RASR_A1 = SIZE(12) | AP(3);
    rt_print("rbar3", MPU_RBAR);
    rt_print("rasr3", MPU_RASR);
    for (unsigned i = 0; i < 8; i++)
        region(i, 0, 0);

    volatile uint32_t *b0 = buf, *b1 = buf + 256;
    volatile uint32_t *b3 = buf + 1024, *b4 = buf + 1536;
    for (unsigned i = 0; i < 2048; i++)
        buf[i] = 0x4770; /* bx lr */

    /* Code and data for everyone, through regions. */
    region(0, 0x00000000u, SIZE(21) | AP(6) | EN);
    region(1, 0x20000000u, SIZE(22) | AP(3) | XN | EN);
    /* buf[0..2047] (8 KiB): priv RW, unpriv RO; its second KiB priv RO */
    region(2, (uint32_t)buf, SIZE(13) | AP(2) | XN | EN);
    region(3, (uint32_t)b1, SIZE(10) | AP(5) | XN | EN);
    /* subregions: a 2 KiB region over buf + 4 KiB, subregion 1 off */
    region(4, (uint32_t)b3, SIZE(11) | AP(1) | SRD(0x02) | XN | EN);
    /* executable 256 bytes at b4, 32 bytes in it no access */
    region(5, (uint32_t)b4, SIZE(8) | AP(3) | EN);
    region(6, (uint32_t)(b4 + 8), SIZE(5) | AP(0) | EN);
    MPU_CTRL = 1 | 4; /* ENABLE, PRIVDEFENA */
    sync();

    rd("priv read b0", b0);
    wr("priv write b0", b0);
    rd("priv read b1", b1);
    wr("priv write b1", b1);
    wrb("priv writeb b1+1", b1 + 1);
    wr("priv write b3", b3);
    wr("priv write b3+64 (srd)", b3 + 64);
    wr("priv write b3+128", b3 + 128);
    call("priv call b0 (xn)", b0);
    call("priv call b4", b4);
    rd("priv read b4+8", b4 + 8);
    rd("priv read b4+16", b4 + 16);
    rd("priv read 0x00300000 (background)", (volatile uint32_t *)0x00300000);
    rdt("priv ldrt b0", b0);
    wrt("priv strbt b0", b0);
    rdt("priv ldrt b1", b1);
    wrt("priv strbt b1", b1);
    rdt("priv ldrt b3", b3);
    rdt("priv ldrt 0x00300000 (no background)", (volatile uint32_t *)0x00300000);
    flush();

    unpriv();
    rd("unpriv read b0", b0);
    wr("unpriv write b0", b0);
    rd("unpriv read b1", b1);
    rd("unpriv read b3", b3);
    rd("unpriv read b3+64 (srd)", b3 + 64);
    call("unpriv call b4", b4);
    rd("unpriv read 0x00300000", (volatile uint32_t *)0x00300000);
    priv();
    flush();
    rd("priv again read b3", b3);

    /* No background for privileged code either. */
    MPU_CTRL = 1;
    sync();
    rd("nobg read 0x00300000", (volatile uint32_t *)0x00300000);
    rd("nobg read b0", b0);

    /* FAULTMASK: priority -1, the MPU is off unless HFNMIENA. */
    __asm__ volatile("cpsid f" ::: "memory");
    wr("faultmask write b1", b1);
    __asm__ volatile("cpsie f" ::: "memory");
    wr("no faultmask write b1", b1);

    MPU_CTRL = 0;
    sync();
    wr("off write b1", b1);
    flush();
    rt_print("faults", faults);
    rt_exit(0);
}
