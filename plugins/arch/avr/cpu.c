/* SPDX-License-Identifier: MIT */
/*
 * AVR frontend: models, interrupts, registers for tools and -d cpu.
 * translate.c turns instructions into IR, exec.c holds the C slow paths,
 * disas.c the disassembler.
 */
#include <stdio.h>
#include <string.h>

#include <tessera/arch.h>
#include <tessera/device.h>

#include "avr.h"
#include "exec.h"

/* PINx registers (data addresses) of each family, for the SBI toggle. */
#define PINS_X8 {0x23, 0x26, 0x29, 0}
#define PINS_MEGA                                                          \
    {0x20, 0x23, 0x26, 0x29, 0x2c, 0x2f, 0x32, 0x100, 0x103, 0x106, 0x109, \
     0}

static const AvrModel model_m168 = {
    .flash_size = 16 * 1024, .sram_start = 0x100, .sram_end = 0x4ff, .nvectors = 26,
    .pin_regs = PINS_X8};
static const AvrModel model_m328p = {
    .flash_size = 32 * 1024, .sram_start = 0x100, .sram_end = 0x8ff, .nvectors = 26,
    .pin_regs = PINS_X8};
static const AvrModel model_m1280 = {
    .flash_size = 128 * 1024, .sram_start = 0x200, .sram_end = 0x21ff, .nvectors = 57,
    .has_rampz = true, .pin_regs = {0x20, 0x23, 0x26, 0x29, 0x2c, 0x2f, 0x32, 0}};
static const AvrModel model_m2560 = {
    .flash_size = 256 * 1024, .sram_start = 0x200, .sram_end = 0x21ff, .nvectors = 57,
    .has_rampz = true, .pc22 = true,
    .pin_regs = {0x20, 0x23, 0x26, 0x29, 0x2c, 0x2f, 0x32, 0}};

static const TesseraCpuModel avr_models[] = {
    {"atmega168", "ATmega168 (avr5, 16 KiB flash, 1 KiB SRAM)", &model_m168},
    {"atmega328p", "ATmega328P (avr5, 32 KiB flash, 2 KiB SRAM)",
     &model_m328p},
    {"atmega1280", "ATmega1280 (avr51, 128 KiB flash, 8 KiB SRAM)",
     &model_m1280},
    {"atmega2560", "ATmega2560 (avr6, 256 KiB flash, 8 KiB SRAM, EIND)",
     &model_m2560},
    {NULL, NULL, NULL},
};

/* Input line N is interrupt vector N; names "vec0" ... */
static char irq_names[AVR_MAX_VECTORS][8];
static const char *irq_inputs[AVR_MAX_VECTORS + 1];

#define REG(n) \
    {#n, offsetof(AvrEnv, n), sizeof(((AvrEnv *)0)->n), TESSERA_REG_INT, NULL}
static TesseraRegInfo avr_regs[32 + 8 + 4];

static int avr_cpu_init(TesseraCpu *cpu, void *env,
                        const TesseraCpuModel *model, unsigned index)
{
    AvrEnv *e = env;
    (void)index;
    e->cpu = cpu;
    e->model = model->data;
    return 0;
}

static void avr_cpu_reset(void *env)
{
    AvrEnv *e = env;
    memset(e->r, 0, sizeof(e->r));
    memset(e->flag, 0, sizeof(e->flag));
    e->rampz = e->eind = e->smcr = 0;
    e->sp = (uint16_t)e->model->sram_end;
    e->sleeping = false;
    memset(e->pending, 0, sizeof(e->pending));
    tessera_cpu_set_tb_flags(e->cpu, 0);
    tessera_cpu_set_pc(e->cpu, 0);
}

static void avr_irq_set(void *env, unsigned line, int level)
{
    AvrEnv *e = env;
    if (line >= AVR_MAX_VECTORS)
        return;
    uint64_t bit = 1ull << (line % 64);
    if (level) {
        e->pending[line / 64] |= bit;
        /* flag[] is a block global, but a store that reached a device is
         * ordered after the block's earlier flag writes. */
        if (e->flag[SR_I])
            tessera_cpu_kick(e->cpu);
    } else {
        e->pending[line / 64] &= ~bit;
    }
}

static bool avr_has_work(void *env)
{
    AvrEnv *e = env;
    if (!e->flag[SR_I])
        return false;
    for (unsigned i = 0; i < AVR_MAX_VECTORS / 64; i++)
        if (e->pending[i])
            return true;
    return false;
}

static bool avr_exec_interrupt(void *env)
{
    AvrEnv *e = env;
    /* The instruction after SEI/RETI has not run yet: its block looks at
     * the pending interrupts when it is done. */
    if (!e->flag[SR_I] ||
        (tessera_cpu_get_tb_flags(e->cpu) & AVR_TBF_INHIBIT))
        return false;
    unsigned n = 0;
    for (unsigned i = 0; i < AVR_MAX_VECTORS / 64 && !n; i++)
        if (e->pending[i])
            n = i * 64 + (unsigned)__builtin_ctzll(e->pending[i]);
    if (!n || n >= e->model->nvectors)
        return false;
    avr_push_pc(e, (uint32_t)tessera_cpu_get_pc(e->cpu));
    e->flag[SR_I] = 0;
    /* Waking from sleep, or pushing a 3-byte PC, costs one more cycle
     * than an entry from running code (calibrated on simavr, see
     * avr_translate()). */
    uint32_t flags = e->sleeping || e->model->pc22 ? AVR_TBF_IRQ_ENTRY : 0;
    if (e->sleeping) {
        uint8_t zero = 0; /* the clocks the sleep mode stopped restart */
        tessera_phys_write(AVR_SLEEP_STROBE, &zero, 1);
    }
    e->sleeping = false;
    if (tessera_log_enabled(TESSERA_LOG_INT))
        tessera_log(TESSERA_LOG_INT, "avr: interrupt vector %u from pc "
                    "0x%05llx\n", n,
                    (unsigned long long)tessera_cpu_get_pc(e->cpu));
    tessera_cpu_set_pc(e->cpu, n * 4);
    tessera_cpu_set_tb_flags(e->cpu, flags);
    /* Devices whose flag the hardware clears on entry listen here. */
    uint8_t one = 1;
    tessera_phys_write(AVR_IRQ_ACK_BASE + n, &one, 1);
    return true;
}

static void avr_dump_state(void *env)
{
    AvrEnv *e = env;
    uint8_t sreg = avr_get_sreg(e);
    char line[256];
    int n = 0;
    for (unsigned i = 0; i < 32; i++)
        n += snprintf(line + n, sizeof(line) - n, "%s%02x", i ? " " : "",
                      e->r[i]);
    tessera_log(TESSERA_LOG_CPU,
                "pc %05llx sp %04x sreg %02x [%c%c%c%c%c%c%c%c]\n r %s\n",
                (unsigned long long)tessera_cpu_get_pc(e->cpu), e->sp, sreg,
                sreg & 0x80 ? 'I' : '-', sreg & 0x40 ? 'T' : '-',
                sreg & 0x20 ? 'H' : '-', sreg & 0x10 ? 'S' : '-',
                sreg & 0x08 ? 'V' : '-', sreg & 0x04 ? 'N' : '-',
                sreg & 0x02 ? 'Z' : '-', sreg & 0x01 ? 'C' : '-', line);
}

/*
 * The GDB stub: gdb's avr target has no register description of its own
 * (the description only names the architecture, as the ELF does); its
 * numbering is r0-r31, SREG (32), SP (33, 2 bytes) and PC (34, 4 bytes,
 * a byte address in flash). Memory addresses are the bus's: flash at 0,
 * the data space at 0x800000, as gdb expects.
 */
static const char *avr_gdb_xml(void *env, const char *annex)
{
    static char xml[3][160];
    const AvrModel *m = ((AvrEnv *)env)->model;
    const char *arch = m->pc22 ? "avr:6" : m->has_rampz ? "avr:51" : "avr:5";
    unsigned k = m->pc22 ? 2 : m->has_rampz ? 1 : 0;

    if (strcmp(annex, "target.xml") != 0)
        return NULL;
    if (!xml[k][0])
        snprintf(xml[k], sizeof(xml[k]),
                 "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM "
                 "\"gdb-target.dtd\">\n<target><architecture>%s"
                 "</architecture></target>\n", arch);
    return xml[k];
}

static unsigned avr_gdb_read_reg(void *env, unsigned n, uint8_t *buf)
{
    AvrEnv *e = env;
    uint32_t pc;

    if (n < 32) {
        buf[0] = e->r[n];
        return 1;
    }
    switch (n) {
    case 32:
        buf[0] = avr_get_sreg(e);
        return 1;
    case 33:
        buf[0] = (uint8_t)e->sp;
        buf[1] = (uint8_t)(e->sp >> 8);
        return 2;
    case 34:
        pc = (uint32_t)tessera_cpu_get_pc(e->cpu);
        for (unsigned i = 0; i < 4; i++)
            buf[i] = (uint8_t)(pc >> (8 * i));
        return 4;
    default:
        return 0;
    }
}

static unsigned avr_gdb_write_reg(void *env, unsigned n, const uint8_t *buf,
                                  unsigned len)
{
    AvrEnv *e = env;

    if (n < 33 && len >= 1) {
        if (n < 32) {
            e->r[n] = buf[0];
        } else {
            /* SREG lives as one byte per flag. */
            for (unsigned i = 0; i < 8; i++)
                e->flag[i] = (buf[0] >> i) & 1;
            tessera_cpu_kick(e->cpu); /* I may have been set */
        }
        return 1;
    }
    if (n == 33 && len >= 2) {
        e->sp = (uint16_t)(buf[0] | buf[1] << 8);
        return 2;
    }
    if (n == 34 && len >= 4) {
        uint32_t pc = (uint32_t)buf[0] | (uint32_t)buf[1] << 8 |
                      (uint32_t)buf[2] << 16 | (uint32_t)buf[3] << 24;
        tessera_cpu_set_pc(e->cpu, pc & ~1u);
        return 4;
    }
    return 0;
}

static TesseraArchClass avr_arch = {
    .name = "avr",
    .description = "Atmel/Microchip AVR 8-bit (avr5, avr51, avr6)",
    .models = avr_models,
    .default_model = "atmega328p",
    .env_size = sizeof(AvrEnv),
    .nb_mmu_modes = 1,
    .page_bits = 8,
    .irq_inputs = irq_inputs,
    .regs = avr_regs,
    .exact_interrupts = true,
    .cpu_init = avr_cpu_init,
    .cpu_reset = avr_cpu_reset,
    .translate = avr_translate,
    .irq_set = avr_irq_set,
    .exec_interrupt = avr_exec_interrupt,
    .has_work = avr_has_work,
    .disas = avr_disas,
    .dump_state = avr_dump_state,
    .gdb_xml = avr_gdb_xml,
    .gdb_g_regs = 35,
    .gdb_read_reg = avr_gdb_read_reg,
    .gdb_write_reg = avr_gdb_write_reg,
};

static char reg_names[32][4];
static const char *const flag_names[8] = {
    "sreg_c", "sreg_z", "sreg_n", "sreg_v", "sreg_s", "sreg_h", "sreg_t",
    "sreg_i"};

static int avr_plugin_init(void)
{
    for (unsigned i = 0; i < AVR_MAX_VECTORS; i++) {
        snprintf(irq_names[i], sizeof(irq_names[i]), "vec%u", i);
        irq_inputs[i] = irq_names[i];
    }
    irq_inputs[AVR_MAX_VECTORS] = NULL;
    for (unsigned i = 0; i < 32; i++) {
        snprintf(reg_names[i], sizeof(reg_names[i]), "r%u", i);
        avr_regs[i] = (TesseraRegInfo){reg_names[i],
                                       (uint32_t)offsetof(AvrEnv, r) + i, 1,
                                       TESSERA_REG_INT, NULL};
    }
    /* SREG is one byte per bit (0 or 1): "sreg_c" ... "sreg_i". */
    for (unsigned i = 0; i < 8; i++)
        avr_regs[32 + i] = (TesseraRegInfo){
            flag_names[i], (uint32_t)offsetof(AvrEnv, flag) + i, 1,
            TESSERA_REG_INT, NULL};
    avr_regs[40] = (TesseraRegInfo)REG(sp);
    avr_regs[41] = (TesseraRegInfo)REG(rampz);
    avr_regs[42] = (TesseraRegInfo)REG(eind);
    avr_regs[43] = (TesseraRegInfo){0};
    return tessera_register_arch(&avr_arch);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_ARCH, "avr", "0.1.0", avr_plugin_init);
