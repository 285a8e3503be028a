/* SPDX-License-Identifier: MIT */
/*
 * Boot protocol of the RISC-V "virt" and "spike" boards, as QEMU's
 * boards do it, so firmware built for those (OpenSBI fw_dynamic, U-Boot)
 * runs unchanged:
 *
 *  - firmware (-bios, default Debian's OpenSBI fw_dynamic) at the start of
 *    RAM; -bios none runs the kernel directly in M-mode;
 *  - the kernel after the firmware, aligned to 2 MiB (4 MiB on rv32), or at
 *    its ELF addresses;
 *  - the device tree at the top of RAM (below 3 GiB) aligned down to 2 MiB;
 *  - every hart starts in the MROM reset stub at 0x1000, which jumps to the
 *    firmware with a0 = hartid, a1 = DTB address and a2 = the fw_dynamic
 *    information block ("OSBI", version 2, next address and mode).
 */
#include <inttypes.h>
#include <libfdt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tessera/arch.h>
#include <tessera/board.h>
#include <tessera/device.h>

#include "../../arch/riscv/isa-ext.h"

#define MIB (1024ull * 1024)
#define RESET_VECTOR 0x1000ull
#define TIMEBASE_HZ 10000000u /* without a CLINT */

#define FW_DYNAMIC_MAGIC 0x4942534full /* "OSBI" */
#define FW_DYNAMIC_VERSION 2
#define FW_DYNAMIC_MODE_S 1

#define DEFAULT_FW64 "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"

/* What boot() decided, for the tree built from it. */
static struct {
    uint64_t initrd_start, initrd_end;
} placed;

/* ---------------------------------------------------------------------- */
/* CPU description                                                         */

static unsigned cpu_xlen(unsigned cpu)
{
    uint64_t misa;

    if (tessera_cpu_reg_read(cpu, "misa", &misa) && misa)
        return (misa >> 62) == 2 ? 64 : (misa >> 30) == 1 ? 32 : 64;
    const char *model = tessera_cpu_model_name(cpu);
    return model && !strncmp(model, "rv32", 4) ? 32 : 64;
}

static uint64_t cpu_misa(unsigned cpu)
{
    uint64_t misa;

    if (tessera_cpu_reg_read(cpu, "misa", &misa) && misa)
        return misa;
    /* An arch without a readable misa: assume the RV64GC-style profile. */
    uint64_t m = 0;
    for (const char *c = "imafdcsu"; *c; c++)
        m |= 1ull << (*c - 'a');
    return m;
}

/*
 * "rv64imafdc_zicsr_zifencei_...": single letters in the canonical order,
 * then the model's multi-letter extensions (its isa_ext register, bits as
 * in isa-ext.h), so the string says what the CPU implements.
 */
static uint64_t cpu_isa_ext(unsigned cpu)
{
    uint64_t ext;

    if (tessera_cpu_reg_read(cpu, "isa_ext", &ext))
        return ext;
    return RVX(ZICSR) | RVX(ZIFENCEI);
}

static void cpu_isa_string(unsigned cpu, char *out, size_t len)
{
    static const char order[] = "imafdqlcbjtpvh";
    uint64_t misa = cpu_misa(cpu), ext = cpu_isa_ext(cpu);
    size_t n = (size_t)snprintf(out, len, "rv%u", cpu_xlen(cpu));

    for (const char *c = order; *c && n + 1 < len; c++)
        if (misa & (1ull << (*c - 'a')))
            out[n++] = *c;
    out[n] = 0;
    for (unsigned i = 0; i < RVX_NB && n < len; i++)
        if (ext >> i & 1)
            n += (size_t)snprintf(out + n, len - n, "_%s",
                                  riscv_isa_ext_names[i]);
}

/* ---------------------------------------------------------------------- */
/* Device tree                                                             */

#define TRY(x)                \
    do {                      \
        int r_ = (x);         \
        if (r_ < 0)           \
            return r_;        \
    } while (0)

/* The rate of mtime: the CLINT's, as the board file or -set gave it. */
static uint64_t timebase_hz(void)
{
    TesseraDevice *clint = tessera_device_find_type("clint");
    return clint ? tessera_dev_prop_u64(clint, "timebase-frequency")
                 : TIMEBASE_HZ;
}

static int add_cpus(const TesseraBootInfo *info, void *fdt)
{
    int cpus, map, cluster;
    char name[32], isa[128];

    TRY(cpus = fdt_add_subnode(fdt, 0, "cpus"));
    TRY(fdt_setprop_u32(fdt, cpus, "#address-cells", 1));
    TRY(fdt_setprop_u32(fdt, cpus, "#size-cells", 0));
    uint64_t timebase = timebase_hz();
    if (timebase > UINT32_MAX) {
        tessera_error("the CLINT's timebase-frequency %" PRIu64 " Hz does "
                      "not fit the device tree's 32-bit cell (at most "
                      "4294967295)", timebase);
        return -1;
    }
    TRY(fdt_setprop_u32(fdt, cpus, "timebase-frequency", (uint32_t)timebase));
    /* Phandles from the last hart down, as QEMU numbers them. */
    for (unsigned i = info->ncpus; i-- > 0;) {
        snprintf(name, sizeof(name), "cpu%u", i);
        tessera_fdt_phandle(name);
        tessera_cpu_intc_phandle(i);
    }
    for (unsigned i = 0; i < info->ncpus; i++) {
        int cpu, intc;
        uint64_t misa = cpu_misa(i);
        snprintf(name, sizeof(name), "cpu@%u", i);
        TRY(cpu = fdt_add_subnode(fdt, cpus, name));
        snprintf(name, sizeof(name), "cpu%u", i);
        TRY(fdt_setprop_u32(fdt, cpu, "phandle", tessera_fdt_phandle(name)));
        TRY(fdt_setprop_string(fdt, cpu, "device_type", "cpu"));
        TRY(fdt_setprop_u32(fdt, cpu, "reg", i));
        TRY(fdt_setprop_string(fdt, cpu, "status", "okay"));
        TRY(fdt_setprop_string(fdt, cpu, "compatible", "riscv"));
        cpu_isa_string(i, isa, sizeof(isa));
        TRY(fdt_setprop_string(fdt, cpu, "riscv,isa", isa));
        if (cpu_isa_ext(i) & (RVX(ZICBOM) | RVX(ZICBOP) | RVX(ZICBOZ))) {
            uint64_t x = cpu_isa_ext(i);
            if (x & RVX(ZICBOM))
                TRY(fdt_setprop_u32(fdt, cpu, "riscv,cbom-block-size",
                                    RISCV_CBO_BLOCK_SIZE));
            if (x & RVX(ZICBOP))
                TRY(fdt_setprop_u32(fdt, cpu, "riscv,cbop-block-size",
                                    RISCV_CBO_BLOCK_SIZE));
            if (x & RVX(ZICBOZ))
                TRY(fdt_setprop_u32(fdt, cpu, "riscv,cboz-block-size",
                                    RISCV_CBO_BLOCK_SIZE));
        }
        if (misa & (1u << ('s' - 'a')))
            TRY(fdt_setprop_string(fdt, cpu, "mmu-type",
                                   cpu_xlen(i) == 32 ? "riscv,sv32"
                                                     : "riscv,sv48"));
        TRY(intc = fdt_add_subnode(fdt, cpu, "interrupt-controller"));
        TRY(fdt_setprop_u32(fdt, intc, "#interrupt-cells", 1));
        TRY(fdt_setprop(fdt, intc, "interrupt-controller", NULL, 0));
        TRY(fdt_setprop_string(fdt, intc, "compatible", "riscv,cpu-intc"));
        TRY(fdt_setprop_u32(fdt, intc, "phandle", tessera_cpu_intc_phandle(i)));
    }
    TRY(map = fdt_add_subnode(fdt, cpus, "cpu-map"));
    TRY(cluster = fdt_add_subnode(fdt, map, "cluster0"));
    for (unsigned i = 0; i < info->ncpus; i++) {
        snprintf(name, sizeof(name), "core%u", i);
        int core;
        TRY(core = fdt_add_subnode(fdt, cluster, name));
        snprintf(name, sizeof(name), "cpu%u", i);
        TRY(fdt_setprop_u32(fdt, core, "cpu", tessera_fdt_phandle(name)));
    }
    return 0;
}

static int add_common(const TesseraBootInfo *info, void *fdt,
                      const char *stdout_path)
{
    int chosen, mem, soc;
    char name[48];

    TRY(chosen = fdt_add_subnode(fdt, 0, "chosen"));
    if (stdout_path)
        TRY(fdt_setprop_string(fdt, chosen, "stdout-path", stdout_path));
    if (info->append)
        TRY(fdt_setprop_string(fdt, chosen, "bootargs", info->append));
    if (placed.initrd_end > placed.initrd_start) {
        /* One cell when it fits, as QEMU writes them; Linux takes both. */
        if (placed.initrd_end <= UINT32_MAX) {
            TRY(fdt_setprop_u32(fdt, chosen, "linux,initrd-start",
                                (uint32_t)placed.initrd_start));
            TRY(fdt_setprop_u32(fdt, chosen, "linux,initrd-end",
                                (uint32_t)placed.initrd_end));
        } else {
            TRY(fdt_setprop_u64(fdt, chosen, "linux,initrd-start",
                                placed.initrd_start));
            TRY(fdt_setprop_u64(fdt, chosen, "linux,initrd-end",
                                placed.initrd_end));
        }
    }
    snprintf(name, sizeof(name), "memory@%" PRIx64, info->ram_base);
    TRY(mem = fdt_add_subnode(fdt, 0, name));
    TRY(fdt_setprop_string(fdt, mem, "device_type", "memory"));
    TRY(fdt_setprop_u64(fdt, mem, "reg", info->ram_base));
    TRY(fdt_appendprop_u64(fdt, mem, "reg", info->ram_size));
    TRY(add_cpus(info, fdt));
    TRY(soc = fdt_add_subnode(fdt, 0, "soc"));
    TRY(fdt_setprop_u32(fdt, soc, "#address-cells", 2));
    TRY(fdt_setprop_u32(fdt, soc, "#size-cells", 2));
    TRY(fdt_setprop_string(fdt, soc, "compatible", "simple-bus"));
    TRY(fdt_setprop(fdt, soc, "ranges", NULL, 0));
    return 0;
}

static int virt_fdt(const TesseraBootInfo *info, void *fdt)
{
    char path[64];
    const char *out = NULL;
    TesseraDevice *uart = tessera_device_find("uart0");

    if (uart) {
        snprintf(path, sizeof(path), "/soc/serial@%" PRIx64,
                 tessera_dev_prop_u64(uart, "base"));
        out = path;
    }
    TRY(fdt_setprop_string(fdt, 0, "compatible", "riscv-virtio"));
    TRY(fdt_setprop_string(fdt, 0, "model", "riscv-virtio,qemu"));
    return add_common(info, fdt, out);
}

static int spike_fdt(const TesseraBootInfo *info, void *fdt)
{
    TRY(fdt_setprop_string(fdt, 0, "compatible", "ucbbar,spike-bare-dev"));
    TRY(fdt_setprop_string(fdt, 0, "model", "ucbbar,spike-bare,qemu"));
    return add_common(info, fdt,
                      tessera_device_find("htif0") ? "/htif" : NULL);
}

/* ---------------------------------------------------------------------- */
/* Images                                                                  */

/* Loads an ELF where it says or a raw image at addr; *end = last byte + 1. */
static int load_image(const char *path, uint64_t addr, uint64_t *entry,
                      uint64_t *end)
{
    if (tessera_file_is_elf(path)) {
        uint64_t lo, hi;
        if (tessera_load_elf(path, entry, &lo, &hi) < 0)
            return -1;
        *end = hi + 1;
        return 0;
    }
    uint64_t size;
    if (tessera_load_raw(path, addr, &size) < 0)
        return -1;
    *entry = addr;
    *end = addr + size;
    return 0;
}

/*
 * Whether raw file path (given with option) fits in RAM at addr, where the
 * board's layout puts it (where says how); false after a message.
 */
static bool fits_in_ram(const TesseraBootInfo *b, const char *option,
                        const char *path, uint64_t addr, const char *where)
{
    struct stat st;
    uint64_t ram_end = b->ram_base + b->ram_size;

    if (stat(path, &st) < 0 || addr < b->ram_base ||
        (addr < ram_end && (uint64_t)st.st_size <= ram_end - addr))
        return true; /* the loader reports what is wrong, if anything */
    tessera_error("%s %s (%" PRIu64 " bytes) goes at 0x%" PRIx64 " (%s), "
                  "but RAM is 0x%" PRIx64 "-0x%" PRIx64 " (%" PRIu64
                  " MiB): give more with -m", option, path,
                  (uint64_t)st.st_size, addr, where, b->ram_base, ram_end - 1,
                  (uint64_t)(b->ram_size / MIB));
    return false;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

/* Writes the reset stub and its data (fw_dynamic info) into the MROM. */
static int write_reset_stub(unsigned xlen, uint64_t start, uint64_t fdt_addr,
                            uint64_t next_addr)
{
    /*
     *   auipc t0, 0            ; t0 = the stub's address
     *   addi  a2, t0, INFO     ; a2 = &fw_dynamic_info
     *   csrr  a0, mhartid
     *   l[wd] a1, FDT(t0)
     *   l[wd] t0, START(t0)
     *   jr    t0
     */
    const unsigned w = xlen / 8, ld = xlen == 32 ? 2 : 3;
    const uint32_t o_start = 24, o_fdt = o_start + w, o_info = o_fdt + w;
    uint32_t code[6] = {
        0x00000297u,
        (o_info << 20) | (5u << 15) | (12u << 7) | 0x13u,
        0xf1402573u,
        (o_fdt << 20) | (5u << 15) | (ld << 12) | (11u << 7) | 0x03u,
        (o_start << 20) | (5u << 15) | (ld << 12) | (5u << 7) | 0x03u,
        0x00028067u,
    };
    uint64_t words[8] = {
        start, fdt_addr,
        FW_DYNAMIC_MAGIC, FW_DYNAMIC_VERSION, next_addr, FW_DYNAMIC_MODE_S,
        0, /* options */
        0, /* boot hart: hart 0 boots, the others wait for HSM */
    };
    uint8_t buf[24 + 8 * 8];
    size_t n = 0;

    for (unsigned i = 0; i < 6; i++)
        for (unsigned b = 0; b < 4; b++)
            buf[n++] = (uint8_t)(code[i] >> (8 * b));
    for (unsigned i = 0; i < 8; i++)
        for (unsigned b = 0; b < w; b++)
            buf[n++] = (uint8_t)(words[i] >> (8 * b));
    /* Refused (with the reason) unless 0x1000 is ROM or RAM. */
    return tessera_load_blob("the reset stub (riscv-virt boots every hart "
                             "from ROM at 0x1000)", RESET_VECTOR, buf, n);
}

static int riscv_boot(const TesseraBootInfo *b)
{
    unsigned xlen = cpu_xlen(0);
    const char *fw = b->bios;
    uint64_t fw_entry = 0, fw_end = b->ram_base;
    uint64_t k_entry = 0, k_end = 0;
    bool have_fw = false;

    if (!fw) {
        /* As QEMU: OpenSBI fw_dynamic on both boards. */
        if (xlen == 64 && access(DEFAULT_FW64, R_OK) == 0) {
            fw = DEFAULT_FW64;
        } else if (xlen == 64) {
            tessera_error(
                "no firmware: this board boots OpenSBI by default, from "
                "%s. Install it with 'apt-get install opensbi', or give "
                "-bios FILE (fw_dynamic.bin/.elf), or -bios none to run "
                "-kernel directly in M-mode",
                DEFAULT_FW64);
            return -1;
        } else {
            tessera_error(
                "no firmware: Debian ships no 32-bit OpenSBI; give -bios FILE "
                "(an rv32 OpenSBI fw_dynamic), or -bios none to run -kernel "
                "directly in M-mode");
            return -1;
        }
    }
    if (strcmp(fw, "none")) {
        if (!tessera_file_is_elf(fw) &&
            !fits_in_ram(b, "-bios", fw, b->ram_base, "the start of RAM"))
            return -1;
        if (load_image(fw, b->ram_base, &fw_entry, &fw_end) < 0)
            return -1;
        have_fw = true;
    }
    uint64_t ram_end = b->ram_base + b->ram_size; /* exclusive */
    if (b->kernel) {
        uint64_t at = have_fw ? align_up(fw_end, xlen == 32 ? 4 * MIB : 2 * MIB)
                              : b->ram_base;
        if (!tessera_file_is_elf(b->kernel) &&
            !fits_in_ram(b, "-kernel", b->kernel, at,
                         !have_fw     ? "at the start of RAM"
                         : xlen == 32 ? "after the firmware, aligned to 4 MiB"
                                      : "after the firmware, aligned to 2 MiB"))
            return -1;
        if (load_image(b->kernel, at, &k_entry, &k_end) < 0)
            return -1;
    }
    if (!have_fw && !b->kernel) {
        tessera_error("nothing to run: -bios none needs -kernel FILE (ELF or "
                      "raw binary)");
        return -1;
    }
    placed.initrd_start = placed.initrd_end = 0;
    if (b->initrd) {
        /* Far enough above the kernel for it to decompress, within lowmem. */
        uint64_t base = b->kernel ? k_entry : b->ram_base;
        uint64_t gap = b->ram_size / 2 < 128 * MIB ? b->ram_size / 2
                                                   : 128 * MIB;
        uint64_t start = align_up(base + gap, 4096), size;
        if (!fits_in_ram(b, "-initrd", b->initrd, start,
                         "above the kernel by half of RAM, at most 128 MiB") ||
            tessera_load_raw(b->initrd, start, &size) < 0)
            return -1;
        placed.initrd_start = start;
        placed.initrd_end = start + size;
    }

    size_t fdt_size;
    const void *fdt = tessera_fdt_build(&fdt_size);
    if (!fdt)
        return -1;
    /* At the top of RAM (below 3 GiB), aligned down to 2 MiB. */
    uint64_t top = b->ram_base < 3072 * MIB && ram_end > 3072 * MIB
                       ? 3072 * MIB
                       : ram_end;
    if (fdt_size > top - b->ram_base) {
        tessera_error("the device tree (%zu bytes) does not fit in RAM "
                      "0x%" PRIx64 "-0x%" PRIx64, fdt_size, b->ram_base,
                      top - 1);
        return -1;
    }
    uint64_t fdt_addr = (top - fdt_size) & ~(2 * MIB - 1);
    if (fdt_addr < b->ram_base)
        fdt_addr = b->ram_base;
    /* Refused, naming both, when an image is already there. */
    if (tessera_load_blob("the device tree (top of RAM, 2 MiB aligned)",
                          fdt_addr, fdt, fdt_size) < 0)
        return -1;

    uint64_t start = have_fw ? fw_entry : k_entry;
    if (write_reset_stub(xlen, start, fdt_addr, b->kernel ? k_entry : 0) < 0)
        return -1;
    for (unsigned i = 0; i < b->ncpus; i++)
        tessera_cpu_set_pc(tessera_cpu_by_index(i), RESET_VECTOR);
    return 0;
}

static const TesseraBoardClass virt_class = {
    .name = "riscv-virt",
    .description = "RISC-V virt: OpenSBI fw_dynamic boot, DTB, reset stub",
    .boot = riscv_boot,
    .fdt_populate = virt_fdt,
};

static const TesseraBoardClass spike_class = {
    .name = "riscv-spike",
    .description = "RISC-V spike: -bios/-kernel, DTB with /htif, reset stub",
    .boot = riscv_boot,
    .fdt_populate = spike_fdt,
};

static int riscv_boards_init(void)
{
    if (tessera_register_board(&virt_class) < 0)
        return -1;
    return tessera_register_board(&spike_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_BOARD, "riscv-virt", "0.1.0", riscv_boards_init);
