/* SPDX-License-Identifier: MIT */
/*
 * Value Change Dump of chosen I/O registers (GTKWave opens it).
 *
 *   tessera -M uno -bios prog.elf -set vcd.file=regs.vcd \
 *       -set vcd.regs=TCNT0:0x46,OCR0A:0x47,PRR:0x64
 *
 * "regs" lists NAME:ADDRESS pairs (data addresses, as in the datasheets'
 * register summaries). The device reads each register every "period" CPU
 * cycles of virtual time through the bus and writes the values that
 * changed, so what the trace shows is what a program would read.
 * Registers whose read has a side effect must not be listed: UDRn (pops
 * the receive FIFO) and the low byte of a 16-bit timer register (latches
 * TEMP, which would corrupt the program's own 16-bit reads). Addresses
 * nothing maps (and SREG, SP, SMCR, RAMPZ, EIND, which live in the CPU)
 * read as 0. Without "file" the device does nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tessera/device.h>

#include "avr-dev.h"

#define VCD_MAX_REGS 32

typedef struct Vcd {
    TesseraDevice *dev;
    TesseraTimer *timer;
    FILE *f;
    uint64_t hz, period, next;
    unsigned n;
    char name[VCD_MAX_REGS][24];
    uint16_t addr[VCD_MAX_REGS];
    uint8_t last[VCD_MAX_REGS];
    bool started;
} Vcd;

static void vcd_sample(Vcd *s)
{
    bool stamped = false;
    for (unsigned i = 0; i < s->n; i++) {
        uint8_t v = 0;
        tessera_phys_read(AVR_DEV_DATA_BASE + s->addr[i], &v, 1);
        if (s->started && v == s->last[i])
            continue;
        if (!stamped) {
            fprintf(s->f, "#%llu\n", (unsigned long long)tessera_clock_ns());
            stamped = true;
        }
        fputc('b', s->f);
        for (int b = 7; b >= 0; b--)
            fputc('0' + ((v >> b) & 1), s->f);
        fprintf(s->f, " %c\n", '!' + i);
        s->last[i] = v;
    }
    s->started = true;
}

static void vcd_tick(void *opaque)
{
    Vcd *s = opaque;
    vcd_sample(s);
    s->next += s->period;
    tessera_timer_mod(s->timer, avr_cycles_to_ns(s->next, s->hz));
}

/* Parses "NAME:ADDR,NAME:ADDR". */
static int vcd_parse(Vcd *s, const char *spec)
{
    char *copy = strdup(spec), *save = NULL;
    int rc = 0;
    for (char *tok = strtok_r(copy, ", ", &save); tok;
         tok = strtok_r(NULL, ", ", &save)) {
        char *colon = strchr(tok, ':');
        char *end = NULL;
        unsigned long a = colon ? strtoul(colon + 1, &end, 0) : 0;
        if (!colon || colon == tok || !*(colon + 1) || *end || a > 0xffff ||
            s->n == VCD_MAX_REGS || (size_t)(colon - tok) >= 24) {
            tessera_error("%s: regs: '%s' is not NAME:ADDRESS (at most %d)",
                          tessera_dev_name(s->dev), tok, VCD_MAX_REGS);
            rc = -1;
            break;
        }
        *colon = 0;
        snprintf(s->name[s->n], sizeof(s->name[0]), "%s", tok);
        s->addr[s->n++] = (uint16_t)a;
    }
    free(copy);
    return rc;
}

static int vcd_realize(TesseraDevice *dev, void *state)
{
    Vcd *s = state;
    s->dev = dev;
    const char *file = tessera_dev_prop_str(dev, "file");
    const char *regs = tessera_dev_prop_str(dev, "regs");
    s->hz = tessera_dev_prop_u64(dev, "frequency");
    s->period = tessera_dev_prop_u64(dev, "period");
    if (!file || !*file)
        return 0;
    if (!s->hz || !s->period) {
        tessera_error("%s: frequency and period must not be 0",
                      tessera_dev_name(dev));
        return -1;
    }
    if (!regs || !*regs) {
        tessera_error("%s: file given but no regs (NAME:ADDRESS,...)",
                      tessera_dev_name(dev));
        return -1;
    }
    if (vcd_parse(s, regs) < 0)
        return -1;
    s->f = fopen(file, "w");
    if (!s->f) {
        tessera_error("%s: cannot create %s", tessera_dev_name(dev), file);
        return -1;
    }
    fprintf(s->f, "$timescale 1ns $end\n$scope module %s $end\n",
            tessera_dev_name(dev));
    for (unsigned i = 0; i < s->n; i++)
        fprintf(s->f, "$var wire 8 %c %s $end\n", '!' + i, s->name[i]);
    fprintf(s->f, "$upscope $end\n$enddefinitions $end\n");
    s->timer = tessera_timer_new(vcd_tick, s);
    return 0;
}

static void vcd_reset(TesseraDevice *dev, void *state)
{
    Vcd *s = state;
    (void)dev;
    if (!s->f)
        return;
    s->started = false;
    s->next = avr_now_cycles(s->hz);
    vcd_tick(s);
}

static void vcd_finalize(TesseraDevice *dev, void *state)
{
    Vcd *s = state;
    (void)dev;
    if (s->timer)
        tessera_timer_free(s->timer);
    if (s->f)
        fclose(s->f);
}

static const TesseraProp vcd_props[] = {
    {"file", TESSERA_PROP_STRING, "", "VCD file to write (empty: off)"},
    {"regs", TESSERA_PROP_STRING, "",
     "registers to trace: NAME:ADDRESS,... (data addresses)"},
    {"period", TESSERA_PROP_U64, "16", "sampling period in CPU cycles"},
    {"frequency", TESSERA_PROP_FREQ, "16000000", "CPU clock in Hz"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass vcd_class = {
    .name = "avr-vcd",
    .description = "VCD trace of chosen AVR I/O registers",
    .props = vcd_props,
    .state_size = sizeof(Vcd),
    .realize = vcd_realize,
    .reset = vcd_reset,
    .finalize = vcd_finalize,
};

static int vcd_init(void)
{
    return tessera_register_device(&vcd_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "avr-vcd", "0.1.0", vcd_init);
