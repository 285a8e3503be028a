/* SPDX-License-Identifier: MIT */
/* The tessera command line. */
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "kernel/backend.h"
#include "kernel/chardev.h"
#include "kernel/cpu.h"
#include "kernel/device.h"
#include "kernel/display.h"
#include "kernel/drive.h"
#include "kernel/object.h"
#include "kernel/fdt.h"
#include "kernel/gdbstub.h"
#include "kernel/log.h"
#include "kernel/machine.h"
#include "kernel/monitor.h"
#include "kernel/net.h"
#include "kernel/plugin.h"
#include "kernel/tool.h"
#include "kernel/sched.h"
#include "kernel/util.h"
#include "block/block.h"

static void usage(void)
{
    printf(
"Usage: tessera [options]\n"
"\n"
"Runs a machine described by a board file. Options follow QEMU's where they\n"
"mean the same thing. Example:\n"
"  tessera -M virt -bios none -nographic -kernel hello.elf\n"
"\n"
"Machine:\n"
"  -M, -machine, -board NAME|FILE.ini\n"
"                      board to run (default: virt); 'help' lists them. NAME\n"
"                      is looked up as NAME.ini in $TESSERA_BOARD_PATH and the\n"
"                      installed board directory\n"
"  -cpu MODEL          CPU model of the board's first [cpu]; 'help' lists them\n"
"  -m SIZE             size of the board's first RAM region (128M, 1.5G, ...;\n"
"                      a number without suffix is MiB, as in QEMU)\n"
"  -smp N              number of CPUs of the board's first [cpu]\n"
"  -machine NAME,dumpdtb=FILE\n"
"                      write the machine's device tree blob to FILE and exit\n"
"  -set DEV.PROP=VALUE override a device property of the board file\n"
"  -device TYPE[,id=NAME][,PROP=VALUE...]\n"
"                      add a device that plugs into a board slot: virtio\n"
"                      devices (virtio-blk-device, virtio-rng-device,\n"
"                      virtio-serial-device + virtconsole,\n"
"                      virtio-keyboard/-mouse/-tablet-device) take the free\n"
"                      virtio-mmio slot with the highest address, as QEMU\n"
"  -device help        list device types; -device NAME,help lists properties\n"
"  -object rng-random,id=ID[,filename=PATH] | rng-builtin,id=ID\n"
"                      an entropy source for virtio-rng-device,rng=ID\n"
"                      (default: /dev/urandom)\n"
"  -object secret,id=ID,data=TEXT|file=PATH[,format=raw|base64]\n"
"                      a password for -drive ...,key-secret=ID\n"
"\n"
"Boot:\n"
"  -bios FILE|none     firmware image (ELF, or raw at the start of RAM); the\n"
"                      virt board defaults to Debian's OpenSBI fw_dynamic\n"
"  -kernel FILE        kernel or bare-metal program (ELF or raw); without\n"
"                      firmware the CPUs start at its entry point\n"
"  -append STRING      kernel command line (for boards that pass one)\n"
"  -initrd FILE        initial ramdisk (for boards that load one)\n"
"  -dtb FILE           device tree blob instead of the generated one\n"
"\n"
"Input/output:\n"
"  -nographic          no window: serial port 0 (and the monitor, Ctrl-A c)\n"
"                      on the terminal\n"
"  -display sdl|none   show the machine's display device (e.g. -device\n"
"                      simple-framebuffer) in an SDL2 window (Ctrl-Alt-G grab,\n"
"                      Ctrl-Alt-F full screen, closing it quits), or not\n"
"                      (none, the default); -display help lists them\n"
"  -serial SPEC        serial port 0 backend (repeat for serial 1, 2, ...):\n"
"                      stdio, null, file:PATH, pty, chardev:ID, mon:SPEC\n"
"                      (shared with a monitor, Ctrl-A c switches),\n"
"                      unix:PATH[,server=on[,wait=off]], tcp:HOST:PORT[,...]\n"
"  -chardev TYPE,id=ID[,options]\n"
"                      define a backend for -serial/-monitor/-qmp chardev:ID\n"
"                      or a device property 'chardev = ID'. TYPE: stdio,\n"
"                      null, pty, file (path=), socket (path=PATH or\n"
"                      host=H,port=P; server=on|off, wait=on|off,\n"
"                      reconnect=SECONDS, abstract=on, tight=on|off);\n"
"                      mux=on lets a serial port and a monitor share it\n"
"  -monitor SPEC       human monitor (HMP) on SPEC, same forms as -serial\n"
"                      (e.g. stdio, unix:PATH,server=on,wait=off)\n"
"  -qmp SPEC           QMP (JSON) monitor on SPEC (e.g. unix:PATH,server=on,\n"
"                      wait=off or tcp:127.0.0.1:4444,server=on,wait=off)\n"
"  On a terminal, Ctrl-A x quits, Ctrl-A h shows the other escapes; with\n"
"  -nographic the terminal is shared with the monitor (Ctrl-A c).\n"
"\n"
"Block devices:\n"
"  -drive file=PATH[,format=raw|qcow2|luks][,id=ID][,if=virtio|none]\n"
"         [,readonly=on|off][,snapshot=on|off][,discard=ignore|unmap]\n"
"         [,cache=MODE]\n"
"         [,detect-zeroes=off|on|unmap]\n"
"         [,key-secret=ID|encrypt.key-secret=ID]\n"
"                      open a disk image (with its backing chain) through the\n"
"                      block library. if=virtio (the default on boards with\n"
"                      virtio-mmio slots) adds a virtio-blk-device for it;\n"
"                      if=none waits for -device virtio-blk-device,drive=ID.\n"
"                      discard=unmap passes the guest's discards to the\n"
"                      image (default: ignore them, as QEMU). An encrypted\n"
"                      image (luks, qcow2 encrypt.format=luks) takes its\n"
"                      password from -object secret,id=ID,data=TEXT|file=PATH.\n"
"                      PATH may be an NBD export: nbd://HOST[:PORT]/EXPORT\n"
"                      or nbd+unix:///EXPORT?socket=SOCKET (a raw disk).\n"
"                      Its query may add, joined by &, open-timeout=SECONDS\n"
"                      (connect and handshake; default 30) and\n"
"                      timeout=SECONDS (each reply; default 0: wait as long\n"
"                      as the server takes); 0..86400, 0 is no limit. A\n"
"                      server silent that long ends the connection with an\n"
"                      error instead of a hang. reconnect-delay=SECONDS\n"
"                      (default 0: none): when the connection breaks,\n"
"                      requests wait up to that long while it reconnects.\n"
"                      cache=writeback (default), none (O_DIRECT),\n"
"                      writethrough (flush after each write), directsync,\n"
"                      unsafe (flushes ignored). detect-zeroes=on|unmap\n"
"                      turns guest writes of zeroes into zero clusters.\n"
"                      snapshot=on: writes go to a temporary qcow2 overlay\n"
"                      (in $TMPDIR, default /var/tmp, deleted at once); the\n"
"                      image is only read (default: -snapshot's setting)\n"
"  -snapshot           snapshot=on for every -drive (not -blockdev, as QEMU)\n"
"  -blockdev driver=raw|qcow2|luks,node-name=NAME,file.driver=file,\n"
"            file.filename=PATH[,read-only=on|off][,cache.direct=on|off]\n"
"            [,cache.no-flush=on|off][,discard=ignore|unmap]\n"
"            [,detect-zeroes=off|on|unmap][,key-secret=ID]\n"
"  -blockdev driver=file,node-name=NAME,filename=PATH[,...]\n"
"  -blockdev driver=nbd,node-name=NAME,server.type=inet,server.host=HOST\n"
"            [,server.port=PORT][,export=NAME] | server.type=unix,\n"
"            server.path=SOCKET[,export=NAME]\n"
"                      QEMU's -blockdev for one format node over a file\n"
"                      (dotted keys, not JSON); no device is added: give\n"
"                      -device virtio-blk-device,drive=NAME\n"
"\n"
"Network:\n"
"  -netdev user,id=ID[,hostfwd=[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:PORT]\n"
"         [,guestfwd=[tcp]:[GUESTADDR]:PORT-cmd:COMMAND|-CHARDEV-SPEC]\n"
"         [,restrict=on|off][,net=ADDR[/MASK]][,host=ADDR][,dhcpstart=ADDR]\n"
"         [,dns=ADDR][,ipv4=on|off][,ipv6=on|off][,ipv6-net=ADDR/LEN]\n"
"         [,ipv6-host=ADDR][,ipv6-dns=ADDR][,hostname=NAME][,domainname=D]\n"
"         [,dnssearch=D][,tftp=DIR][,tftp-server-name=NAME][,bootfile=FILE]\n"
"                      user-mode network (libslirp): the guest is 10.0.2.15\n"
"                      by DHCP, the host 10.0.2.2, DNS 10.0.2.3; a NIC takes it\n"
"                      with its property netdev=ID; -netdev help lists types\n"
"  -nic user[,id=ID][,mac=MAC][,model=TYPE][,the -netdev user options]\n"
"                      a user-mode network and a NIC on it (the board's\n"
"                      default model unless model=); -nic none: no NIC\n"
"\n"
"Execution:\n"
"  -icount shift=N     deterministic time: 2^N ns per instruction (cycle)\n"
"  -tb-size N          translation cache size in MiB (default from host RAM)\n"
"  -accel NAME         how blocks run: native (x86-64 code, the default on\n"
"                      x86-64 hosts) or interp (the IR interpreter); tcg is\n"
"                      the default one; -accel help lists them\n"
"  -no-reboot          exit (status 0) when the guest resets the machine\n"
"  -semihosting        let the guest use the host through semihosting calls\n"
"                      (ARM: BKPT 0xab); its console writes go to stderr\n"
"  -semihosting-config enable=on|off[,target=native]\n"
"                      the same, QEMU's long form\n"
"\n"
"Debugging:\n"
"  -d LIST             log categories (in_asm, exec, cpu, int, unimp,\n"
"                      guest_errors, op, op_opt, all); -d help lists them\n"
"  -D FILE             write the log to FILE instead of stderr\n"
"  -gdb tcp:[HOST]:PORT|unix:PATH[,server=on][,wait=on|off]\n"
"                      wait for a GDB connection (remote protocol; harts are\n"
"                      threads); HOST empty: every interface; PORT 0 picks a\n"
"                      free port and prints it; wait=on: start stopped\n"
"  -s                  same as -gdb tcp::1234\n"
"  -S                  start with the CPUs stopped (resume from gdb)\n"
"\n"
"Plugins:\n"
"  -L DIR              look for plugins in DIR first (repeatable)\n"
"  -plugins            list the plugins found, with kind, version and file\n"
"  -plugin NAME[,key=value...]\n"
"                      load instrumentation tool NAME (repeatable);\n"
"                      -plugin help lists the tools and their options\n"
"  Plugins are also searched in $TESSERA_PLUGIN_PATH (colon-separated), then\n"
"  in %s.\n"
"\n"
"  -h, -help, --help   this text\n"
"  -version            version\n"
"\n"
"Exit status: the guest's exit code (e.g. from the sifive-test finisher or\n"
"HTIF), 1 when tessera itself fails.\n",
        TESSERA_PLUGINDIR);
}

typedef struct Args {
    MachineOptions m;
    GPtrArray *serials;
    GPtrArray *chardevs;
    GPtrArray *monitors; /* -monitor SPEC */
    GPtrArray *qmps;     /* -qmp SPEC */
    GPtrArray *drives;       /* -drive specs */
    GPtrArray *blockdevs;    /* -blockdev specs */
    bool snapshot;           /* -snapshot: -drive writes go to overlays */
    GPtrArray *devices;      /* -device specs, then those of if=virtio */
    GPtrArray *objects;      /* -object specs */
    GPtrArray *netdevs;      /* -netdev specs */
    GPtrArray *nics;         /* -nic specs */
    bool want_help_netdev, want_help_nic;
    GPtrArray *to_free;
    const char *log_spec;
    const char *log_file;
    int icount_shift;
    uint64_t tb_size;
    bool accel_given;
    bool nographic;
    bool no_reboot;
    const char *gdb_spec; /* -gdb or -s */
    bool start_stopped;   /* -S */
    bool want_help_board, want_help_cpu, want_help_device, want_plugins;
    const char *device_help;
} Args;

static int bad(const char *opt, const char *fmt, const char *val)
{
    char msg[512];
    snprintf(msg, sizeof(msg), fmt, val);
    tessera_error("%s %s: %s", opt, val, msg);
    return -1;
}

static bool is_value_option(const char *opt)
{
    static const char *const names[] = {
        "M", "machine", "board", "cpu", "m", "smp", "bios", "kernel",
        "append", "initrd", "dtb", "serial", "chardev", "monitor", "qmp", "d", "D",
        "icount", "tb-size", "L", "set", "device", "display", "plugin", "gdb", "drive",
        "object", "semihosting-config", "netdev", "nic", NULL};
    for (const char *const *n = names; *n; n++)
        if (!strcmp(*n, opt))
            return true;
    return false;
}

/* Options that take a value, and where the value goes. */
static int parse_option(Args *a, const char *opt, const char *val)
{
    uint64_t n;

    if (!val) /* only asking whether opt is an option with a value */
        return is_value_option(opt) ? 0 : 1;

    if (!strcmp(opt, "M") || !strcmp(opt, "machine") || !strcmp(opt, "board")) {
        if (!strcmp(val, "help")) {
            a->want_help_board = true;
            return 0;
        }
        /* QEMU-style "name,key=value,...": type= and dumpdtb= are known. */
        char **parts = g_strsplit(val, ",", -1);
        for (char **p = parts; *p; p++) {
            char *item = g_strdup(*p);
            g_ptr_array_add(a->to_free, item);
            if (g_str_has_prefix(item, "type="))
                a->m.board = item + 5;
            else if (g_str_has_prefix(item, "dumpdtb="))
                a->m.dumpdtb = item + 8;
            else if (p == parts && !strchr(item, '='))
                a->m.board = item;
            else {
                g_strfreev(parts);
                return bad("-M", "unsupported machine option in '%s' "
                           "(known: type=NAME, dumpdtb=FILE)", val);
            }
        }
        g_strfreev(parts);
    } else if (!strcmp(opt, "cpu")) {
        if (!strcmp(val, "help"))
            a->want_help_cpu = true;
        a->m.cpu_model = val;
    } else if (!strcmp(opt, "m")) {
        const char *v = g_str_has_prefix(val, "size=") ? val + 5 : val;
        char why[256];
        if (util_parse_ram_size(v, &n, why, sizeof(why)) < 0) {
            tessera_error("-m %s: %s", val, why);
            return -1;
        }
        if (*why) /* a hex number without a suffix: MiB, as QEMU */
            tessera_warn("-m %s: %s", val, why);
        a->m.ram_size = n; /* 0: the board's size, as QEMU's default */
        a->m.ram_size_arg = val;
    } else if (!strcmp(opt, "smp")) {
        const char *v = g_str_has_prefix(val, "cpus=") ? val + 5 : val;
        if (!util_parse_u64(v, &n) || n == 0 || n > 64)
            return bad("-smp", "'%s': expected a CPU count from 1 to 64", val);
        a->m.smp = n;
    } else if (!strcmp(opt, "bios")) {
        a->m.bios = val;
    } else if (!strcmp(opt, "kernel")) {
        a->m.kernel = val;
    } else if (!strcmp(opt, "append")) {
        a->m.append = val;
    } else if (!strcmp(opt, "initrd")) {
        a->m.initrd = val;
    } else if (!strcmp(opt, "dtb")) {
        a->m.dtb = val;
    } else if (!strcmp(opt, "serial")) {
        g_ptr_array_add(a->serials, (gpointer)val);
    } else if (!strcmp(opt, "chardev")) {
        g_ptr_array_add(a->chardevs, (gpointer)val);
    } else if (!strcmp(opt, "monitor")) {
        g_ptr_array_add(a->monitors, (gpointer)val);
    } else if (!strcmp(opt, "qmp")) {
        g_ptr_array_add(a->qmps, (gpointer)val);
    } else if (!strcmp(opt, "drive")) {
        g_ptr_array_add(a->drives, (gpointer)val);
    } else if (!strcmp(opt, "blockdev")) {
        g_ptr_array_add(a->blockdevs, (gpointer)val);
    } else if (!strcmp(opt, "netdev")) {
        if (!strcmp(val, "help") || !strcmp(val, "type=help"))
            a->want_help_netdev = true;
        else
            g_ptr_array_add(a->netdevs, (gpointer)val);
    } else if (!strcmp(opt, "nic")) {
        if (!strcmp(val, "help") || !strcmp(val, "type=help") ||
            g_str_has_suffix(val, ",model=help") ||
            g_str_has_prefix(val, "model=help"))
            a->want_help_nic = true;
        else
            g_ptr_array_add(a->nics, (gpointer)val);
    } else if (!strcmp(opt, "object")) {
        g_ptr_array_add(a->objects, (gpointer)val);
    } else if (!strcmp(opt, "d")) {
        a->log_spec = val;
    } else if (!strcmp(opt, "D")) {
        a->log_file = val;
    } else if (!strcmp(opt, "semihosting-config")) {
        /* QEMU's form: enable=on|off,target=native|auto (no gdb here). */
        char **parts = g_strsplit(val, ",", -1);
        int r = 0;
        for (char **p = parts; *p && r == 0; p++) {
            if (!strcmp(*p, "enable=on") || !strcmp(*p, "enable=true"))
                machine_semihosting = true;
            else if (!strcmp(*p, "enable=off") || !strcmp(*p, "enable=false"))
                machine_semihosting = false;
            else if (strcmp(*p, "target=native") && strcmp(*p, "target=auto"))
                r = bad("-semihosting-config", "'%s': expected enable=on|off "
                        "and target=native|auto", *p);
        }
        g_strfreev(parts);
        if (r < 0)
            return -1;
    } else if (!strcmp(opt, "icount")) {
        const char *v = g_str_has_prefix(val, "shift=") ? val + 6 : val;
        if (!util_parse_u64(v, &n) || n > 30)
            return bad("-icount", "'%s': expected shift=N with N from 0 to 30",
                       val);
        a->icount_shift = (int)n;
    } else if (!strcmp(opt, "accel")) {
        /* QEMU's -accel tcg means the default code generator here. */
        char *name = g_strndup(val, strcspn(val, ","));
        bool ok = true;
        if (!strcmp(name, "help")) {
            backend_list();
            exit(0);
        }
        if (strcmp(name, "tcg") != 0)
            ok = backend_select(name);
        a->accel_given = true;
        g_free(name);
        if (!ok)
            return bad("-accel", "'%s': unknown accelerator (-accel help "
                       "lists them)", val);
    } else if (!strcmp(opt, "tb-size")) {
        if (!util_parse_u64(val, &n) || n == 0 || n > (1u << 20))
            return bad("-tb-size", "'%s': expected a size in MiB", val);
        a->tb_size = n << 20;
    } else if (!strcmp(opt, "plugin")) {
        if (tool_add_spec(val) < 0)
            return -1;
    } else if (!strcmp(opt, "L")) {
        plugin_add_dir(val);
    } else if (!strcmp(opt, "set")) {
        g_ptr_array_add(a->m.sets, (gpointer)val);
    } else if (!strcmp(opt, "device")) {
        if (!strcmp(val, "help"))
            a->want_help_device = true;
        else if (g_str_has_suffix(val, ",help"))
            a->device_help = val;
        else
            g_ptr_array_add(a->devices, (gpointer)val);
    } else if (!strcmp(opt, "gdb")) {
        if (gdbstub_configure(val) < 0)
            return -1;
        a->gdb_spec = val;
    } else if (!strcmp(opt, "display")) {
        if (display_parse(val) < 0)
            return -1;
    } else {
        return 1; /* not an option with a value */
    }
    return 0;
}

static int parse_args(Args *a, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (arg[0] != '-') {
            tessera_error("unexpected argument '%s' (see tessera --help)", arg);
            return -1;
        }
        const char *opt = arg + (arg[1] == '-' ? 2 : 1);
        if (!strcmp(opt, "h") || !strcmp(opt, "help")) {
            usage();
            exit(0);
        }
        if (!strcmp(opt, "version")) {
            printf("tessera %s (plugin ABI %d.%d)\n", PACKAGE_VERSION,
                   TESSERA_ABI_MAJOR, TESSERA_ABI_MINOR);
            exit(0);
        }
        if (!strcmp(opt, "nographic")) {
            a->nographic = true;
            continue;
        }
        if (!strcmp(opt, "plugins")) {
            a->want_plugins = true;
            continue;
        }
        if (!strcmp(opt, "snapshot")) {
            a->snapshot = true;
            continue;
        }
        if (!strcmp(opt, "no-reboot")) {
            a->no_reboot = true;
            continue;
        }
        if (!strcmp(opt, "semihosting")) {
            machine_semihosting = true;
            continue;
        }
        if (!strcmp(opt, "s")) {
            a->gdb_spec = "tcp::1234";
            if (gdbstub_configure(a->gdb_spec) < 0)
                return -1;
            continue;
        }
        if (!strcmp(opt, "S")) {
            a->start_stopped = true;
            continue;
        }
        if (!strcmp(opt, "enable-kvm")) {
            tessera_error("%s is not supported yet", arg);
            return -1;
        }
        if (i + 1 >= argc) {
            /* Tell an unknown option from a known one missing its value. */
            int known = parse_option(a, opt, NULL);
            tessera_error(known > 0 ? "unknown option '%s' (see tessera --help)"
                                    : "%s needs a value (see tessera --help)",
                          arg);
            return -1;
        }
        int r = parse_option(a, opt, argv[i + 1]);
        if (r < 0)
            return -1;
        if (r > 0) {
            tessera_error("unknown option '%s' (see tessera --help)", arg);
            return -1;
        }
        i++;
    }
    return 0;
}

/*
 * A backend for -serial, -monitor or -qmp: "chardev:ID" names a -chardev,
 * "mon:SPEC" makes SPEC a mux shared with a monitor (*with_monitor),
 * anything else is a new backend called id.
 */
static TesseraChardev *open_backend(const char *opt, const char *id,
                                    const char *spec, bool *with_monitor)
{
    char err[512];
    TesseraChardev *c;

    if (with_monitor)
        *with_monitor = false;
    if (g_str_has_prefix(spec, "chardev:")) {
        c = chardev_find(spec + 8);
        if (!c)
            tessera_error("%s %s: no character backend '%s' (define it with "
                          "-chardev TYPE,id=%s)", opt, spec, spec + 8,
                          spec + 8);
        return c;
    }
    if (g_str_has_prefix(spec, "mon:")) {
        if (!with_monitor) {
            tessera_error("%s %s: mon: is for -serial", opt, spec);
            return NULL;
        }
        c = chardev_new(id, spec + 4, err, sizeof(err));
        if (c) {
            chardev_set_mux(c);
            *with_monitor = true;
        }
    } else {
        c = chardev_new(id, spec, err, sizeof(err));
    }
    if (!c)
        tessera_error("%s %s: %s", opt, spec, err);
    return c;
}

static int setup_chardevs(Args *a, GPtrArray *mon_chrs)
{
    char err[512];

    for (guint i = 0; i < a->chardevs->len; i++) {
        const char *spec = a->chardevs->pdata[i];
        if (!chardev_new_opts(spec, err, sizeof(err))) {
            tessera_error("-chardev %s: %s", spec, err);
            return -1;
        }
    }
    for (guint i = 0; i < a->serials->len; i++) {
        char id[32];
        bool mon;
        snprintf(id, sizeof(id), "serial%u", i);
        TesseraChardev *c = open_backend("-serial", id, a->serials->pdata[i],
                                         &mon);
        if (!c)
            return -1;
        if (strcmp(chardev_id(c), id))
            chardev_alias(id, c);
        if (mon)
            g_ptr_array_add(mon_chrs, c);
    }
    /*
     * No display exists yet, so serial 0 is the terminal by default; on a
     * terminal with -nographic it shares it with the monitor, as in QEMU
     * (Ctrl-A c). Piped input stays byte-transparent.
     */
    if (a->serials->len == 0 && !chardev_find("serial0")) {
        bool mux = a->nographic && a->monitors->len == 0 && isatty(0);
        bool stdio_taken = false;
        for (guint i = 0; i < a->monitors->len + a->qmps->len; i++) {
            const char *m = i < a->monitors->len
                                ? a->monitors->pdata[i]
                                : a->qmps->pdata[i - a->monitors->len];
            stdio_taken |= !strcmp(m, "stdio");
        }
        /* -monitor stdio alone: the serial port goes nowhere, as in QEMU. */
        TesseraChardev *c = chardev_new("serial0", stdio_taken ? "null"
                                                               : "stdio",
                                        err, sizeof(err));
        if (!c) {
            tessera_error("serial0: %s", err);
            return -1;
        }
        if (mux) {
            chardev_set_mux(c);
            g_ptr_array_add(mon_chrs, c);
        }
    }
    return 0;
}

/* -monitor and -qmp: after the machine, so the serial port is focused. */
static int setup_monitors(Args *a, GPtrArray *mon_chrs)
{
    for (guint i = 0; i < mon_chrs->len; i++)
        monitor_attach(mon_chrs->pdata[i]);
    for (guint i = 0; i < a->monitors->len + a->qmps->len; i++) {
        bool qmp = i >= a->monitors->len;
        const char *opt = qmp ? "-qmp" : "-monitor";
        const char *spec = qmp ? a->qmps->pdata[i - a->monitors->len]
                               : a->monitors->pdata[i];
        char id[32];
        if (!strcmp(spec, "none"))
            continue;
        snprintf(id, sizeof(id), "compat_monitor%u", i);
        TesseraChardev *c = open_backend(opt, id, spec, NULL);
        if (!c)
            return -1;
        if (!(qmp ? qmp_attach(c) : monitor_attach(c))) {
            tessera_error("%s %s: character backend '%s' is already in use "
                          "(give it mux=on to share it)", opt, spec,
                          chardev_id(c));
            return -1;
        }
    }
    return 0;
}

/* -netdev and -nic backends, before the devices that use them. */
static int setup_netdevs(Args *a)
{
    for (guint i = 0; i < a->netdevs->len; i++)
        if (net_add_netdev(a->netdevs->pdata[i]) < 0)
            return -1;
    for (guint i = 0; i < a->nics->len; i++)
        if (net_add_nic(a->nics->pdata[i]) < 0)
            return -1;
    /* Each -nic becomes a -device of its model (the board's default). */
    for (unsigned i = 0; i < net_nic_count(); i++) {
        const char *model = net_nic_model(i);
        if (!model)
            model = machine_default_nic(a->m.board);
        if (!model) {
            tessera_error("-nic %s: board '%s' has no default NIC model: "
                          "give one with model=TYPE", (char *)a->nics->pdata[i],
                          a->m.board);
            return -1;
        }
        char *where = g_strdup_printf("-nic %s", (char *)a->nics->pdata[i]);
        const TesseraDeviceClass *cls = plugin_find_device(model, where);
        bool nic = false;
        for (const TesseraProp *p = cls ? cls->props : NULL; p && p->name; p++)
            nic |= !strcmp(p->name, "netdev");
        if (cls && !nic)
            tessera_error("%s: device type '%s' is not a NIC (it has no "
                          "netdev property)", where, model);
        g_free(where);
        if (!nic)
            return -1;
        char *spec = g_strdup_printf("%s,netdev=%s", model,
                                     net_nic_netdev(i));
        g_ptr_array_add(a->to_free, spec);
        g_ptr_array_add(a->devices, spec);
    }
    return 0;
}

/* One disk, from -drive or -blockdev. */
typedef struct DriveSpec {
    const char *file, *format, *id, *key;
    const char *iface;  /* "virtio": add a virtio-blk-device; "none": not */
    bool readonly, unmap, snapshot;
    int cache, dz;
} DriveSpec;

/*
 * Opens d's image (with a temporary qcow2 overlay over it for snapshot=on:
 * the image itself is opened read-only and never written) and registers it
 * by id; with iface "virtio" it also queues a virtio-blk-device for it.
 */
static int open_drive(Args *a, const char *what, const DriveSpec *d)
{
    char err[1024];
    bool overlay = d->snapshot && !d->readonly;
    BlockDev *bs = blk_open_key(d->file, d->format,
                                (d->readonly || overlay ? 0 : BLK_O_RDWR) |
                                    d->cache,
                                d->key, err, sizeof(err));
    if (bs && overlay)
        bs = blk_open_temp_overlay(bs, d->cache, err, sizeof(err));
    if (!bs) {
        tessera_error("%s: %s", what, err);
        return -1;
    }
    char *auto_id = d->id ? NULL : drive_new_id(d->iface);
    const char *id = d->id ? d->id : auto_id;
    TesseraDrive *drv = drive_add(id, bs, d->readonly, d->unmap);
    if (!drv) {
        blk_close(bs);
        g_free(auto_id);
        return -1;
    }
    drive_set_detect_zeroes(drv, d->dz);
    if (!strcmp(d->iface, "virtio")) {
        char *dev = g_strdup_printf("virtio-blk-device,drive=%s", id);
        g_ptr_array_add(a->to_free, dev);
        g_ptr_array_add(a->devices, dev);
    }
    g_free(auto_id);
    return 0;
}

/* The options -drive and -blockdev share: discard=, detect-zeroes=. 1 if
 * kv is one of them (d updated), 0 if not, -1 if its value is bad. */
static int common_drive_opt(const char *kv, DriveSpec *d)
{
    if (!strcmp(kv, "discard=unmap") || !strcmp(kv, "discard=on"))
        d->unmap = true;
    else if (!strcmp(kv, "discard=ignore") || !strcmp(kv, "discard=off"))
        d->unmap = false;
    else if (!strcmp(kv, "detect-zeroes=off"))
        d->dz = DRIVE_DZ_OFF;
    else if (!strcmp(kv, "detect-zeroes=on"))
        d->dz = DRIVE_DZ_ON;
    else if (!strcmp(kv, "detect-zeroes=unmap"))
        d->dz = DRIVE_DZ_UNMAP;
    else if (g_str_has_prefix(kv, "discard=") ||
             g_str_has_prefix(kv, "detect-zeroes="))
        return -1;
    else if (g_str_has_prefix(kv, "key-secret="))
        d->key = kv + 11;
    else if (g_str_has_prefix(kv, "encrypt.key-secret="))
        d->key = kv + 19;
    else if (!strcmp(kv, "encrypt.format=luks"))
        ;
    else
        return 0;
    return 1;
}

/*
 * Each -drive: file=, format=, id=, if=virtio (the default: a
 * virtio-blk-device is added after the -device options, as QEMU orders
 * them) or if=none, readonly=, cache=, snapshot= (default: -snapshot's).
 */
static int setup_drives(Args *a)
{
    for (guint i = 0; i < a->drives->len; i++) {
        const char *spec = a->drives->pdata[i];
        char **parts = g_strsplit(spec, ",", -1);
        DriveSpec d = {.iface = "virtio", .snapshot = a->snapshot,
                       .dz = DRIVE_DZ_OFF};
        int ok = 1;
        for (char **p = parts; *p && ok; p++) {
            int c = common_drive_opt(*p, &d);
            if (c > 0)
                continue;
            if (c == 0 && g_str_has_prefix(*p, "file="))
                d.file = *p + 5;
            else if (c == 0 && g_str_has_prefix(*p, "format="))
                d.format = *p + 7;
            else if (c == 0 && g_str_has_prefix(*p, "id="))
                d.id = *p + 3;
            else if (c == 0 && (!strcmp(*p, "readonly=on") ||
                                !strcmp(*p, "readonly")))
                d.readonly = true;
            else if (c == 0 && (!strcmp(*p, "snapshot=on") ||
                                !strcmp(*p, "snapshot")))
                d.snapshot = true;
            else if (c == 0 && !strcmp(*p, "snapshot=off"))
                d.snapshot = false;
            else if (c == 0 && (!strcmp(*p, "if=none") ||
                                !strcmp(*p, "if=virtio")))
                d.iface = *p + 3;
            else if (c == 0 && !strcmp(*p, "cache=none"))
                d.cache = BLK_O_DIRECT;
            else if (c == 0 && !strcmp(*p, "cache=writethrough"))
                d.cache = BLK_O_WRITETHROUGH;
            else if (c == 0 && !strcmp(*p, "cache=directsync"))
                d.cache = BLK_O_DIRECT | BLK_O_WRITETHROUGH;
            else if (c == 0 && !strcmp(*p, "cache=unsafe"))
                d.cache = BLK_O_UNSAFE;
            else if (c == 0 && !strcmp(*p, "cache=writeback"))
                d.cache = 0;
            else if (c == 0 && (!strcmp(*p, "readonly=off") ||
                                !strcmp(*p, "media=disk")))
                continue;
            else {
                tessera_error("-drive %s: unsupported option '%s' (file=, "
                              "format=, id=, if=virtio|none, readonly=, "
                              "snapshot=on|off, discard=ignore|unmap, "
                              "cache=writeback|none|writethrough|directsync|"
                              "unsafe, detect-zeroes=off|on|unmap, "
                              "key-secret=, encrypt.key-secret=)", spec, *p);
                ok = 0;
            }
        }
        if (ok && !d.file) {
            tessera_error("-drive %s: needs file=PATH", spec);
            ok = 0;
        }
        if (ok && d.id && !*d.id) {
            tessera_error("-drive %s: empty id", spec);
            ok = 0;
        }
        char *what = g_strdup_printf("-drive %s", spec);
        if (ok && open_drive(a, what, &d) < 0)
            ok = 0;
        g_free(what);
        g_strfreev(parts);
        if (!ok)
            return -1;
    }
    return 0;
}

/* "on"/"off" for -blockdev's booleans: 1, 0, or -1. */
static int on_off(const char *v)
{
    if (!strcmp(v, "on") || !strcmp(v, "true"))
        return 1;
    if (!strcmp(v, "off") || !strcmp(v, "false"))
        return 0;
    return -1;
}

/*
 * Each -blockdev, QEMU's dotted key=value form for the simple cases: one
 * format node over one file node (driver=raw|qcow2|luks with
 * file.driver=file,file.filename=PATH), a file node alone
 * (driver=file,filename=PATH: a raw disk) or an NBD client
 * (driver=nbd,server.type=inet|unix,...,export=NAME). node-name= is the
 * name -device virtio-blk-device,drive= takes. As in QEMU, -snapshot does
 * not apply, and no device is added.
 */
static int setup_blockdevs(Args *a)
{
    for (guint i = 0; i < a->blockdevs->len; i++) {
        const char *spec = a->blockdevs->pdata[i];
        if (spec[0] == '{') {
            tessera_error("-blockdev %s: the JSON form is not supported; "
                          "give driver=...,node-name=...,file.filename=...",
                          spec);
            return -1;
        }
        char **parts = g_strsplit(spec, ",", -1);
        DriveSpec d = {.iface = "none", .dz = DRIVE_DZ_OFF};
        const char *driver = NULL, *filename = NULL, *file_driver = NULL;
        const char *stype = NULL, *host = NULL, *port = NULL, *path = NULL;
        const char *export = NULL;
        char *url = NULL;
        const char *bad = NULL;
        for (char **p = parts; *p && !bad; p++) {
            const char *eq = strchr(*p, '=');
            const char *v = eq ? eq + 1 : "";
            size_t kl = eq ? (size_t)(eq - *p) : strlen(*p);
#define KEY(k) (kl == strlen(k) && !strncmp(*p, k, kl))
            int c = common_drive_opt(*p, &d);
            if (c > 0)
                continue;
            if (c < 0)
                bad = *p;
            else if (KEY("driver"))
                driver = v;
            else if (KEY("node-name"))
                d.id = v;
            else if (KEY("filename") || KEY("file.filename"))
                filename = v;
            else if (KEY("file.driver"))
                file_driver = v;
            else if (KEY("read-only") && on_off(v) >= 0)
                d.readonly = on_off(v);
            else if ((KEY("cache.direct") || KEY("file.cache.direct")) &&
                     on_off(v) >= 0)
                d.cache = (d.cache & ~BLK_O_DIRECT) |
                          (on_off(v) ? BLK_O_DIRECT : 0);
            else if ((KEY("cache.no-flush") || KEY("file.cache.no-flush")) &&
                     on_off(v) >= 0)
                d.cache = (d.cache & ~BLK_O_UNSAFE) |
                          (on_off(v) ? BLK_O_UNSAFE : 0);
            else if ((KEY("file.discard") &&
                      (!strcmp(v, "unmap") || !strcmp(v, "ignore") ||
                       !strcmp(v, "on") || !strcmp(v, "off"))) ||
                     KEY("auto-read-only") || KEY("file.aio") ||
                     KEY("file.locking") || KEY("file.auto-read-only"))
                continue;
            else if (KEY("server.type"))
                stype = v;
            else if (KEY("server.host"))
                host = v;
            else if (KEY("server.port"))
                port = v;
            else if (KEY("server.path"))
                path = v;
            else if (KEY("export"))
                export = v;
            else
                bad = *p;
#undef KEY
        }
        int ok = 1;
        if (bad) {
            tessera_error("-blockdev %s: unsupported option '%s' (driver=raw|"
                          "qcow2|luks|file|nbd, node-name=, file.driver=file, "
                          "file.filename= or filename=, read-only=on|off, "
                          "cache.direct=, cache.no-flush=, discard=ignore|"
                          "unmap, detect-zeroes=off|on|unmap, key-secret=; "
                          "nbd: server.type=inet|unix, server.host=, "
                          "server.port=, server.path=, export=)", spec, bad);
            ok = 0;
        } else if (!driver) {
            tessera_error("-blockdev %s: needs driver=", spec);
            ok = 0;
        } else if (!d.id || !*d.id) {
            tessera_error("-blockdev %s: needs node-name=NAME (what "
                          "-device ...,drive= refers to)", spec);
            ok = 0;
        } else if (!strcmp(driver, "nbd")) {
            if (stype && !strcmp(stype, "unix") && path)
                url = g_strdup_printf("nbd+unix:///%s?socket=%s",
                                      export ? export : "", path);
            else if ((!stype || !strcmp(stype, "inet")) && host)
                url = g_strdup_printf("nbd://%s%s%s/%s", host,
                                      port ? ":" : "", port ? port : "",
                                      export ? export : "");
            if (!url) {
                tessera_error("-blockdev %s: driver=nbd needs server.type="
                              "inet with server.host= (and server.port=) or "
                              "server.type=unix with server.path=", spec);
                ok = 0;
            }
            d.file = url;
        } else if (!strcmp(driver, "file") ||
                   ((!strcmp(driver, "raw") || !strcmp(driver, "qcow2") ||
                     !strcmp(driver, "luks")) &&
                    (!file_driver || !strcmp(file_driver, "file")))) {
            d.file = filename;
            d.format = strcmp(driver, "file") ? driver : "raw";
            if (!filename) {
                tessera_error("-blockdev %s: needs %s=PATH", spec,
                              strcmp(driver, "file") ? "file.filename"
                                                     : "filename");
                ok = 0;
            }
        } else {
            tessera_error("-blockdev %s: driver '%s'%s%s is not supported "
                          "(raw, qcow2 or luks over file.driver=file; file; "
                          "nbd)", spec, driver,
                          file_driver ? " over file.driver=" : "",
                          file_driver ? file_driver : "");
            ok = 0;
        }
        char *what = g_strdup_printf("-blockdev %s", spec);
        if (ok && open_drive(a, what, &d) < 0)
            ok = 0;
        g_free(what);
        g_free(url);
        g_strfreev(parts);
        if (!ok)
            return -1;
    }
    return 0;
}

static int setup_objects(Args *a)
{
    for (guint i = 0; i < a->objects->len; i++)
        if (object_add(a->objects->pdata[i]) < 0)
            return -1;
    return 0;
}

int main(int argc, char **argv)
{
    Args a = {0};
    int status = 1;

    a.icount_shift = -1;
    a.m.board = "virt";
    a.m.sets = g_ptr_array_new();
    a.serials = g_ptr_array_new();
    a.chardevs = g_ptr_array_new();
    a.monitors = g_ptr_array_new();
    a.qmps = g_ptr_array_new();
    GPtrArray *mon_chrs = g_ptr_array_new();
    a.drives = g_ptr_array_new();
    a.blockdevs = g_ptr_array_new();
    a.netdevs = g_ptr_array_new();
    a.nics = g_ptr_array_new();
    a.devices = g_ptr_array_new();
    a.objects = g_ptr_array_new();
    a.m.devices = a.devices;
    a.to_free = g_ptr_array_new_with_free_func(g_free);

    if (parse_args(&a, argc, argv) < 0)
        goto out;
    if (a.start_stopped && (!a.gdb_spec || !strcmp(a.gdb_spec, "none"))) {
        /* Nothing could resume the machine (there is no monitor yet). */
        tessera_error("-S: starting stopped needs a debugger to resume the "
                      "machine: add -s or -gdb tcp::PORT");
        goto out;
    }
    if (a.log_spec) {
        char err[256];
        if (!strcmp(a.log_spec, "help")) {
            log_print_help();
            status = 0;
            goto out;
        }
        if (log_parse(a.log_spec, err, sizeof(err)) < 0) {
            tessera_error("%s", err);
            goto out;
        }
    }
    if (a.log_file && log_set_file(a.log_file) < 0)
        goto out;
    if (a.want_help_board || a.want_help_cpu || a.want_help_device ||
        a.want_plugins || a.device_help || tool_help_requested() ||
        a.want_help_netdev || a.want_help_nic || display_help_requested()) {
        status = 0;
        if (display_help_requested())
            display_print_help();
        if (a.want_help_netdev)
            net_print_netdev_help();
        if (a.want_help_nic)
            net_print_nic_help(machine_default_nic(a.m.board));
        if (a.want_help_board) {
            board_print_list();
            plugin_print_board_logic();
        }
        if (a.want_help_cpu)
            plugin_print_archs();
        if (a.want_help_device)
            plugin_print_devices();
        if (a.want_plugins)
            plugin_print_plugins();
        if (tool_help_requested())
            tool_print_help();
        if (a.device_help) {
            char *type = g_strndup(a.device_help,
                                   strlen(a.device_help) - strlen(",help"));
            if (device_print_props(type) < 0)
                status = 1;
            g_free(type);
        }
        goto out;
    }

    sched_set_icount(a.icount_shift);
    /* $TESSERA_ACCEL picks the backend when -accel does not. */
    const char *accel = getenv("TESSERA_ACCEL");
    if (!a.accel_given && accel && *accel && strcmp(accel, "tcg") != 0 &&
        !backend_select(accel)) {
        tessera_error("TESSERA_ACCEL=%s: unknown accelerator (-accel help "
                      "lists them)", accel);
        return 1;
    }
    sched_set_no_reboot(a.no_reboot);
    tcache_init(a.tb_size);
    if (setup_chardevs(&a, mon_chrs) < 0 || setup_objects(&a) < 0 ||
        setup_drives(&a) < 0 || setup_blockdevs(&a) < 0 ||
        setup_netdevs(&a) < 0)
        goto out_machine;
    if (machine_create(&a.m) < 0 || machine_reset() < 0 ||
        setup_monitors(&a, mon_chrs) < 0)
        goto out_machine;
    drive_warn_unused();
    if (a.m.dumpdtb) {
        /* As QEMU: write the tree the guest would get, then stop. */
        status = fdt_dump(a.m.dumpdtb) < 0 ? 1 : 0;
        goto out_machine;
    }
    net_check_peers();
    if (tool_load_all() < 0)
        goto out_machine;
    tool_machine_started();
    if (display_start() < 0)
        goto out_machine;
    gdbstub_register_monitor();
    if (gdbstub_start(a.start_stopped) < 0)
        goto out_machine;
    status = sched_run();
    gdbstub_exit(status);
    int tool_status = tool_finish();
    if (tool_status)
        status = tool_status;
out_machine:
    fflush(stdout);
    chardev_cleanup();
    monitor_cleanup();
    display_cleanup();
    machine_destroy();
    net_cleanup();
    if (drive_close_all() < 0 && status == 0)
        status = 1;
    object_cleanup();
    plugin_shutdown();
out:
    gdbstub_cleanup();
    g_ptr_array_free(a.m.sets, TRUE);
    g_ptr_array_free(a.serials, TRUE);
    g_ptr_array_free(a.chardevs, TRUE);
    g_ptr_array_free(a.monitors, TRUE);
    g_ptr_array_free(a.qmps, TRUE);
    g_ptr_array_free(mon_chrs, TRUE);
    g_ptr_array_free(a.drives, TRUE);
    g_ptr_array_free(a.blockdevs, TRUE);
    g_ptr_array_free(a.netdevs, TRUE);
    g_ptr_array_free(a.nics, TRUE);
    g_ptr_array_free(a.devices, TRUE);
    g_ptr_array_free(a.objects, TRUE);
    g_ptr_array_free(a.to_free, TRUE);
    return status;
}
