/* SPDX-License-Identifier: MIT */
/*
 * Device-tree helpers shared by the RISC-V device plugins (header only, so
 * each plugin stays one self-contained .so).
 */
#ifndef PLUGINS_DEVICES_RISCV_FDT_H
#define PLUGINS_DEVICES_RISCV_FDT_H

#include <libfdt.h>
#include <stdio.h>
#include <string.h>

#include <tessera/device.h>

/* The mip bit number (= interrupt cause) of a RISC-V CPU input line. */
static inline int riscv_fdt_cause(const char *input)
{
    static const struct {
        const char *name;
        int cause;
    } map[] = {
        {"ssip", 1}, {"msip", 3}, {"stip", 5},
        {"mtip", 7}, {"seip", 9}, {"meip", 11},
    };
    for (size_t i = 0; input && i < sizeof(map) / sizeof(map[0]); i++)
        if (!strcmp(map[i].name, input))
            return map[i].cause;
    return -1;
}

/* Appends one big-endian cell to property name of node. */
static inline int riscv_fdt_append_cell(void *fdt, int node, const char *name,
                                        uint32_t v)
{
    return fdt_appendprop_u32(fdt, node, name, v);
}

/* reg = <base size> with two cells each. */
static inline int riscv_fdt_reg(void *fdt, int node, uint64_t base,
                                uint64_t size)
{
    int r = fdt_setprop_u64(fdt, node, "reg", base);
    if (r < 0)
        return r;
    return fdt_appendprop_u64(fdt, node, "reg", size);
}

/*
 * Adds "name@base" under parent and returns its offset (or a negative
 * libfdt error).
 */
static inline int riscv_fdt_node(void *fdt, int parent, const char *name,
                                 uint64_t base)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%s@%llx", name, (unsigned long long)base);
    return fdt_add_subnode(fdt, parent, buf);
}

/*
 * Writes a device-interrupt reference for output line 0 of IRQ property
 * prop: "interrupt-parent" + "interrupts" when it goes to a device (an
 * interrupt controller with one cell), nothing when unwired.
 */
static inline int riscv_fdt_irq(TesseraDevice *dev, void *fdt, int node,
                                const char *prop)
{
    TesseraIrqTarget t;
    int r;
    if (!tessera_dev_irq_target(dev, prop, 0, &t) || !t.dev)
        return 0;
    if ((r = fdt_setprop_u32(fdt, node, "interrupts", t.input)) < 0)
        return r;
    return fdt_setprop_u32(fdt, node, "interrupt-parent",
                           tessera_dev_phandle(t.dev));
}

/*
 * "interrupts-extended" listing every line of the IRQ properties props
 * (NULL-ended), interleaved per index as the lines are (<&intc0 3 &intc0 7
 * &intc1 3 ...>), for lines that go to CPUs.
 */
static inline int riscv_fdt_irqs_extended(TesseraDevice *dev, void *fdt,
                                          int node, const char *const *props)
{
    unsigned n = 0;
    for (const char *const *p = props; *p; p++)
        if (tessera_dev_irq_out_count(dev, *p) > n)
            n = tessera_dev_irq_out_count(dev, *p);
    for (unsigned i = 0; i < n; i++) {
        for (const char *const *p = props; *p; p++) {
            TesseraIrqTarget t;
            int r, cause;
            if (!tessera_dev_irq_target(dev, *p, i, &t) || t.cpu < 0)
                continue;
            cause = riscv_fdt_cause(t.input_name);
            if (cause < 0)
                continue;
            if ((r = riscv_fdt_append_cell(fdt, node, "interrupts-extended",
                                           tessera_cpu_intc_phandle(t.cpu))) < 0 ||
                (r = riscv_fdt_append_cell(fdt, node, "interrupts-extended",
                                           (uint32_t)cause)) < 0)
                return r;
        }
    }
    return 0;
}

#endif
