/* SPDX-License-Identifier: MIT */
/*
 * Berkeley HTIF, the host-target interface of spike and riscv-tests: the
 * guest writes commands to the 64-bit word "tohost" and finds replies in
 * "fromhost". Both words live in the guest image (ELF symbols), so the
 * device maps itself over them once images are loaded, at the first reset.
 *
 * A command is dev[63:56] cmd[55:48] payload[47:0]. Supported:
 *  - dev 0 cmd 0, payload bit 0 set: exit with status payload >> 1;
 *  - dev 0 cmd 0, payload bit 0 clear: payload points to a syscall block
 *    (which, arg0, arg1, ...), of which write (64) to fds 1 and 2 and
 *    exit (93) are served; the result goes to the block's first word;
 *  - dev 1 cmd 0: read a console byte (answered when one arrives);
 *  - dev 1 cmd 1: write the byte payload[7:0] to the console.
 * Like spike, the host clears tohost when it takes a command and answers
 * in fromhost with the command's dev and cmd and a reply payload.
 */
#include <inttypes.h>
#include <string.h>

#include <libfdt.h>

#include <tessera/device.h>

#define HTIF_DEV_SYSCALL 0
#define HTIF_DEV_CONSOLE 1
#define HTIF_CONSOLE_GETC 0
#define HTIF_CONSOLE_PUTC 1

#define HTIF_SYS_WRITE 64
#define HTIF_SYS_EXIT 93
#define HTIF_EBADF 9
#define HTIF_ENOSYS 38
#define HTIF_EFAULT 14

#define HTIF_PAYLOAD_MASK ((1ull << 48) - 1)

typedef struct Htif {
    TesseraDevice *dev;
    TesseraChardev *chr;
    bool mapped;
    uint64_t tohost_addr, fromhost_addr;
    uint64_t tohost, fromhost;
    bool getc_pending; /* a console read waits for a byte */
} Htif;

static uint64_t htif_cmd_word(unsigned dev, unsigned cmd, uint64_t payload)
{
    return ((uint64_t)dev << 56) | ((uint64_t)cmd << 48) |
           (payload & HTIF_PAYLOAD_MASK);
}

/* ---------------------------------------------------------------------- */
/* Commands                                                                */

static uint64_t htif_sys_write(Htif *s, uint64_t fd, uint64_t addr,
                               uint64_t len)
{
    uint8_t buf[256];
    uint64_t done = 0;

    if (fd != 1 && fd != 2)
        return (uint64_t)-HTIF_EBADF;
    while (done < len) {
        uint64_t n = len - done < sizeof(buf) ? len - done : sizeof(buf);
        if (tessera_phys_read(addr + done, buf, n) < 0)
            return done ? done : (uint64_t)-HTIF_EFAULT;
        tessera_chr_write(s->chr, buf, n);
        done += n;
    }
    return done;
}

/* A syscall block: which, then up to seven arguments, 64 bits each. */
static void htif_syscall(Htif *s, uint64_t addr)
{
    uint64_t blk[8];
    uint64_t ret;

    if (tessera_phys_read(addr, blk, sizeof(blk)) < 0) {
        tessera_log(TESSERA_LOG_GUEST_ERRORS,
                    "%s: syscall block at 0x%" PRIx64 " is not in memory\n",
                    tessera_dev_name(s->dev), addr);
        return;
    }
    /* Guest memory is little-endian, and so are the hosts we build for. */
    switch (blk[0]) {
    case HTIF_SYS_WRITE:
        ret = htif_sys_write(s, blk[1], blk[2], blk[3]);
        break;
    case HTIF_SYS_EXIT:
        tessera_request_exit((int)blk[1]);
        return;
    default:
        tessera_log(TESSERA_LOG_UNIMP, "%s: syscall %" PRIu64
                    " not implemented\n", tessera_dev_name(s->dev), blk[0]);
        ret = (uint64_t)-HTIF_ENOSYS;
        break;
    }
    tessera_phys_write(addr, &ret, sizeof(ret));
    s->fromhost = htif_cmd_word(HTIF_DEV_SYSCALL, 0, 1);
}

static void htif_command(Htif *s, uint64_t v)
{
    unsigned dev = v >> 56, cmd = (v >> 48) & 0xff;
    uint64_t payload = v & HTIF_PAYLOAD_MASK;

    s->tohost = 0; /* taken */
    if (dev == HTIF_DEV_SYSCALL && cmd == 0) {
        if (payload & 1)
            tessera_request_exit((int)(payload >> 1));
        else
            htif_syscall(s, payload);
        return;
    }
    if (dev == HTIF_DEV_CONSOLE && cmd == HTIF_CONSOLE_PUTC) {
        uint8_t c = (uint8_t)payload;
        tessera_chr_write(s->chr, &c, 1);
        s->fromhost = htif_cmd_word(dev, cmd, 0x100 | c);
        return;
    }
    if (dev == HTIF_DEV_CONSOLE && cmd == HTIF_CONSOLE_GETC) {
        s->getc_pending = true;
        tessera_chr_accept_input(s->chr);
        return;
    }
    tessera_log(TESSERA_LOG_GUEST_ERRORS,
                "%s: unknown command 0x%016" PRIx64 "\n",
                tessera_dev_name(s->dev), v);
}

/* ---------------------------------------------------------------------- */
/* Console input                                                           */

static int htif_can_read(void *opaque)
{
    Htif *s = opaque;

    /* One byte per request, and only once the last reply was consumed. */
    return s->getc_pending && s->fromhost == 0;
}

static void htif_receive(void *opaque, const uint8_t *buf, size_t len)
{
    Htif *s = opaque;

    if (!len || !htif_can_read(s))
        return;
    s->getc_pending = false;
    s->fromhost = htif_cmd_word(HTIF_DEV_CONSOLE, HTIF_CONSOLE_GETC,
                                0x100 | buf[0]);
}

/* ---------------------------------------------------------------------- */
/* Registers                                                               */

static uint64_t htif_read_word(uint64_t word, uint64_t offset, unsigned size)
{
    return size == 8 ? word : (offset & 4) ? word >> 32 : word & 0xffffffffu;
}

static uint64_t htif_write_word(uint64_t word, uint64_t offset,
                                uint64_t value, unsigned size)
{
    if (size == 8)
        return value;
    if (offset & 4)
        return (word & 0xffffffffu) | (value << 32);
    return (word & ~0xffffffffull) | (value & 0xffffffffu);
}

static uint64_t htif_tohost_read(void *opaque, uint64_t offset, unsigned size)
{
    Htif *s = opaque;
    return htif_read_word(s->tohost, offset, size);
}

/*
 * A 32-bit guest stores the low half first: the command fires on the high
 * half (or on a whole 64-bit store), when the word is complete.
 */
static void htif_tohost_write(void *opaque, uint64_t offset, uint64_t value,
                              unsigned size)
{
    Htif *s = opaque;

    s->tohost = htif_write_word(s->tohost, offset, value, size);
    if ((size == 8 || (offset & 4)) && s->tohost != 0)
        htif_command(s, s->tohost);
}

static uint64_t htif_fromhost_read(void *opaque, uint64_t offset,
                                   unsigned size)
{
    Htif *s = opaque;
    return htif_read_word(s->fromhost, offset, size);
}

static void htif_fromhost_write(void *opaque, uint64_t offset, uint64_t value,
                                unsigned size)
{
    Htif *s = opaque;

    s->fromhost = htif_write_word(s->fromhost, offset, value, size);
    if (s->fromhost == 0) /* reply consumed: room for the next byte */
        tessera_chr_accept_input(s->chr);
}

static const TesseraMmioOps htif_tohost_ops = {
    .read = htif_tohost_read,
    .write = htif_tohost_write,
    .min_access = 4,
    .max_access = 8,
};

static const TesseraMmioOps htif_fromhost_ops = {
    .read = htif_fromhost_read,
    .write = htif_fromhost_write,
    .min_access = 4,
    .max_access = 8,
};

/* ---------------------------------------------------------------------- */
/* Class                                                                   */

/* The property's address, else the image's symbol; false when neither. */
static bool htif_address(TesseraDevice *dev, const char *name, uint64_t *addr)
{
    *addr = tessera_dev_prop_u64(dev, name);
    return *addr != 0 || tessera_symbol_lookup(name, addr);
}

static int htif_map(Htif *s)
{
    TesseraDevice *dev = s->dev;
    bool have_from;

    if (htif_address(dev, "tohost", &s->tohost_addr)) {
        have_from = htif_address(dev, "fromhost", &s->fromhost_addr);
    } else if (tessera_dev_prop_u64(dev, "base")) {
        /* No symbols (e.g. a stripped OpenSBI): the fixed pair at base. */
        s->fromhost_addr = tessera_dev_prop_u64(dev, "base");
        s->tohost_addr = s->fromhost_addr + 8;
        have_from = true;
    } else {
        return 0; /* the image does not speak HTIF: nothing to do */
    }
    if ((s->tohost_addr & 7) || (have_from && (s->fromhost_addr & 7))) {
        tessera_error("%s: tohost 0x%" PRIx64 " and fromhost 0x%" PRIx64
                      " must be 8-byte aligned", tessera_dev_name(dev),
                      s->tohost_addr, s->fromhost_addr);
        return -1;
    }
    if (tessera_dev_map_mmio(dev, s->tohost_addr, 8, &htif_tohost_ops, s) < 0)
        return -1;
    if (have_from && tessera_dev_map_mmio(dev, s->fromhost_addr, 8,
                                          &htif_fromhost_ops, s) < 0)
        return -1;
    s->mapped = true;
    return 0;
}

static int htif_realize(TesseraDevice *dev, void *state)
{
    Htif *s = state;

    s->dev = dev;
    s->chr = tessera_dev_chardev(dev, "chardev");
    tessera_chr_set_receiver(s->chr, htif_can_read, htif_receive, s);
    return 0;
}

static void htif_reset(TesseraDevice *dev, void *state)
{
    Htif *s = state;

    s->tohost = 0;
    s->fromhost = 0;
    s->getc_pending = false;
    /*
     * Images are loaded after realize, so the symbols exist only now; the
     * mapping then stays for good. A mapping error stops the machine
     * (reset() cannot return one). An image without tohost leaves the
     * device idle.
     */
    if (!s->mapped && htif_map(s) < 0)
        tessera_request_exit(1);
}

/*
 * Spike's /htif node. With the fixed pair at base (no tohost symbol), reg
 * gives fromhost's address, tohost following it, which is how OpenSBI
 * reads the binding; with symbols the firmware knows its own addresses.
 */
static int htif_fdt_node(TesseraDevice *dev, void *state, void *fdt,
                         int parent)
{
    uint64_t base = tessera_dev_prop_u64(dev, "base"), sym;
    int node, r;

    (void)state;
    (void)parent;
    if ((node = fdt_add_subnode(fdt, 0, "htif")) < 0)
        return node;
    if (base && !tessera_dev_prop_u64(dev, "tohost") &&
        !tessera_symbol_lookup("tohost", &sym) &&
        ((r = fdt_setprop_u64(fdt, node, "reg", base)) < 0 ||
         (r = fdt_appendprop_u64(fdt, node, "reg", 16)) < 0))
        return r;
    return fdt_setprop_string(fdt, node, "compatible", "ucb,htif0");
}

static const TesseraProp htif_props[] = {
    {"tohost", TESSERA_PROP_U64, "0",
     "address of tohost; 0 = the image's tohost symbol"},
    {"fromhost", TESSERA_PROP_U64, "0",
     "address of fromhost; 0 = the image's fromhost symbol"},
    {"chardev", TESSERA_PROP_CHARDEV, "", "console backend"},
    {"base", TESSERA_PROP_U64, "0",
     "fromhost (tohost at +8) when the image has no symbols; 0 = none"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass htif_class = {
    .name = "htif",
    .description = "Berkeley HTIF (tohost/fromhost) as in spike",
    .props = htif_props,
    .state_size = sizeof(Htif),
    .realize = htif_realize,
    .reset = htif_reset,
    .fdt_node = htif_fdt_node,
    .mmio_help =
        "8 bytes at tohost and 8 at fromhost (from the ELF symbols when not"
        " set)",
};

static int htif_init(void)
{
    return tessera_register_device(&htif_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "htif", "0.1.0", htif_init);
