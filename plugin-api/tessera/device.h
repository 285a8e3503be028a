/* SPDX-License-Identifier: MIT */
/*
 * tessera/device.h - device models.
 *
 * A device plugin registers a TesseraDeviceClass from its init function.
 * A board file instantiates it:
 *
 *     [device uart0]
 *     type = ns16550a        ; the class name
 *     base = 0x10000000      ; MMIO base (property "base", see below)
 *     irq = plic0:10         ; output line "irq" -> input 10 of plic0
 *     chardev = serial0      ; character backend
 *
 * Every key of the section except "type" must name a property the class
 * declares; the core parses and checks values (numbers with K/M/G suffixes,
 * booleans, strings, IRQ references) and reports errors with file and line,
 * so a device never parses board-file text itself.
 *
 * Life cycle: the core allocates state_size zeroed bytes, then calls
 * realize() once with all properties set; then it wires IRQ lines (so
 * inputs must be declared in realize()); then reset() on every machine reset
 * (also once before the first instruction).
 */
#ifndef TESSERA_DEVICE_H
#define TESSERA_DEVICE_H

#include <tessera/tessera.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct TesseraDevice TesseraDevice;   /* opaque, owned by the core */
typedef struct TesseraIrq TesseraIrq;         /* an output IRQ line */
typedef struct TesseraChardev TesseraChardev; /* a character backend */
typedef struct TesseraTimer TesseraTimer;     /* a virtual-clock timer */

/* ---------------------------------------------------------------------- */
/* Properties                                                              */

typedef enum TesseraPropType {
    TESSERA_PROP_U64 = 1, /* number: 0x.., 0.., decimal; K/M/G/T = 2^10.. */
    TESSERA_PROP_BOOL,    /* on/off, true/false, yes/no, 1/0 */
    TESSERA_PROP_STRING,  /* free text */
    TESSERA_PROP_IRQ,     /* output line(s): "dev:N" or "dev:name", see below */
    TESSERA_PROP_CHARDEV, /* name of a character backend: serial0, stdio, null */
    TESSERA_PROP_FREQ,    /* Hz, decimal; K/M/G = 10^3/10^6/10^9;
                             read with tessera_dev_prop_u64() */
    TESSERA_PROP_DRIVE,   /* id of a -drive (ABI 2.2); the device gets it
                             with tessera_dev_drive() */
} TesseraPropType;

/**
 * One declared property.
 *
 * TESSERA_PROP_IRQ declares an output line (or an array of them). Its value
 * is a comma-separated list of references "DEV:INPUT" where INPUT is an
 * input number or, for CPUs, a name from the arch's input list. "cpuN"
 * names hart N; "cpu*" expands to one reference per CPU, and several "cpu*"
 * references interleave per CPU ("cpu*:meip, cpu*:seip" gives cpu0:meip,
 * cpu0:seip, cpu1:meip, ...). The device reads the lines with
 * tessera_dev_irq_out(dev, name, index).
 */
typedef struct TesseraProp {
    const char *name;
    TesseraPropType type;
    const char *default_value; /* as board-file text; NULL = required */
    const char *help;          /* one line for -device NAME,help */
} TesseraProp;

/* ---------------------------------------------------------------------- */
/* MMIO                                                                    */

/**
 * MMIO callbacks. offset is relative to the start of the region; size is
 * 1, 2, 4 or 8. Accesses of sizes outside [min_access, max_access] are
 * split or widened by the core so the device sees only sizes it declared
 * (0 means 1 and 8). Reads return the value zero-extended.
 */
typedef struct TesseraMmioOps {
    uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
    void (*write)(void *opaque, uint64_t offset, uint64_t value, unsigned size);
    unsigned min_access;
    unsigned max_access;
} TesseraMmioOps;

/**
 * Maps an MMIO region of the device at an absolute bus address in the
 * system address space. ops, ops->read and ops->write must not be NULL.
 * Returns 0, or -1 (after an error message) when they are or when the
 * region overlaps another one.
 */
int tessera_dev_map_mmio(TesseraDevice *dev, uint64_t base, uint64_t size,
                         const TesseraMmioOps *ops, void *opaque);

/**
 * Reads/writes guest physical memory (DMA-style; RAM, ROM and MMIO).
 * Returns 0, or -1 when part of the range is unmapped.
 */
int tessera_phys_read(uint64_t addr, void *buf, uint64_t len);
int tessera_phys_write(uint64_t addr, const void *buf, uint64_t len);

/**
 * DMA on guest RAM only (ABI 2.2): for addresses a guest hands a device
 * (descriptors, buffers). Unlike tessera_phys_read/write, the whole range
 * must be RAM (one region or adjacent ones): ROM, MMIO (so a device never
 * re-enters itself or another device through a guest pointer) and holes
 * make the call fail with -1 without copying anything. Writes invalidate
 * translated code in the range. Machine thread only.
 */
int tessera_dma_read(uint64_t addr, void *buf, uint64_t len);
int tessera_dma_write(uint64_t addr, const void *buf, uint64_t len);
/** True when [addr, addr + len) is guest RAM (len 0: addr may be anything). */
bool tessera_dma_valid(uint64_t addr, uint64_t len);

/* ---------------------------------------------------------------------- */
/* IRQ lines                                                               */

/** Handler of a device's input lines; level is 0 or 1. */
typedef void (*TesseraIrqHandler)(void *opaque, unsigned line, int level);

/**
 * Declares count input lines numbered 0..count-1; other devices' outputs
 * connect to them as "DEVNAME:N". Call from realize().
 */
void tessera_dev_irq_inputs(TesseraDevice *dev, unsigned count,
                            TesseraIrqHandler handler, void *opaque);

/**
 * Returns output line index of IRQ property name, or NULL when the board
 * did not wire it (setting a NULL line is allowed and does nothing).
 */
TesseraIrq *tessera_dev_irq_out(TesseraDevice *dev, const char *name,
                                unsigned index);
/** How many lines the board wired to IRQ property name. */
unsigned tessera_dev_irq_out_count(TesseraDevice *dev, const char *name);

/** Sets an output line's level (0 or 1); NULL lines are ignored. */
void tessera_irq_set(TesseraIrq *irq, int level);

/* ---------------------------------------------------------------------- */
/* Properties and identity                                                 */

/** The instance name ("uart0") and the class name ("ns16550a"). */
const char *tessera_dev_name(TesseraDevice *dev);
const char *tessera_dev_type(TesseraDevice *dev);
/** The device's state block (state_size bytes, zeroed at creation). */
void *tessera_dev_state(TesseraDevice *dev);

uint64_t tessera_dev_prop_u64(TesseraDevice *dev, const char *name);
bool tessera_dev_prop_bool(TesseraDevice *dev, const char *name);
/** String value; NULL when the property is unset and has no default. */
const char *tessera_dev_prop_str(TesseraDevice *dev, const char *name);

/** Number of CPUs of the machine (for per-hart devices like the CLINT). */
unsigned tessera_cpu_count(void);

/* ---------------------------------------------------------------------- */
/* Character backends                                                      */

/**
 * The backend named by the device's CHARDEV property, or NULL when the
 * board left it unset. Devices never touch terminals or files themselves.
 */
TesseraChardev *tessera_dev_chardev(TesseraDevice *dev, const char *prop);

/** Writes bytes to the backend (never blocks the guest for long). */
void tessera_chr_write(TesseraChardev *chr, const uint8_t *buf, size_t len);

/**
 * Registers the receiver. can_read() says how many bytes the device accepts
 * now (0 = none); receive() gets at most that many. The core polls input
 * between instruction quanta and while the CPUs sleep.
 */
void tessera_chr_set_receiver(TesseraChardev *chr,
                              int (*can_read)(void *opaque),
                              void (*receive)(void *opaque, const uint8_t *buf,
                                              size_t len),
                              void *opaque);
/** Tell the core that can_read() may have become non-zero. */
void tessera_chr_accept_input(TesseraChardev *chr);

/* ---------------------------------------------------------------------- */
/* Virtual time                                                            */

/** The virtual clock in nanoseconds since the machine started. */
uint64_t tessera_clock_ns(void);

/** Creates a timer; cb runs on the emulator thread when it expires. */
TesseraTimer *tessera_timer_new(void (*cb)(void *opaque), void *opaque);
/** Arms the timer for an absolute virtual time (re-arming moves it). */
void tessera_timer_mod(TesseraTimer *t, uint64_t expire_ns);
/** Disarms the timer. */
void tessera_timer_del(TesseraTimer *t);
/** Disarms and frees the timer (from finalize()). */
void tessera_timer_free(TesseraTimer *t);

/* ---------------------------------------------------------------------- */
/* Work from other threads (ABI 2.2)                                       */

/*
 * A device that does slow host work (a disk write) in a thread of its own
 * hands the result back to the machine thread with a bottom half: the
 * worker calls tessera_bh_schedule(), and the core runs the callback on
 * the machine thread soon after (between instruction quanta, and it wakes
 * a machine whose CPUs all sleep). Everything else in this header is for
 * the machine thread only; a worker must not touch guest memory, IRQ
 * lines or timers itself.
 */
typedef struct TesseraBh TesseraBh;

/** Creates a bottom half (machine thread, e.g. in realize()). */
TesseraBh *tessera_bh_new(void (*cb)(void *opaque), void *opaque);
/**
 * Asks for cb to run once on the machine thread. Callable from any
 * thread; several calls before it runs give one call.
 */
void tessera_bh_schedule(TesseraBh *bh);
/** Cancels a scheduled run and frees the bottom half (machine thread). */
void tessera_bh_free(TesseraBh *bh);
/**
 * Machine thread: one piece of work handed to a worker has begun / its
 * result has been handled. While any work is outstanding and every CPU
 * sleeps, deterministic time (-icount) waits for the worker instead of
 * jumping to the next timer, so a guest never sees a host I/O take
 * virtual time (and time out on it).
 */
void tessera_bh_work_begin(TesseraBh *bh);
void tessera_bh_work_end(TesseraBh *bh);

/* ---------------------------------------------------------------------- */
/* Disk images (ABI 2.2)                                                   */

/*
 * A -drive the user gave (its id= names it; a device declares a
 * TESSERA_PROP_DRIVE property to take one). The image (raw, qcow2, with
 * its backing chain) is opened by the core before the machine is built and
 * flushed and closed after the devices are finalized. These calls may run
 * in one worker thread of the device at a time (not concurrently on the
 * same drive); they block for the length of the host I/O. Offsets and
 * lengths are bytes; the functions return 0 or -1 (message from
 * tessera_drive_error()).
 */
typedef struct TesseraDrive TesseraDrive;

/** The drive named by property prop, or NULL when it is empty. */
TesseraDrive *tessera_dev_drive(TesseraDevice *dev, const char *prop);
uint64_t tessera_drive_size(TesseraDrive *d);
bool tessera_drive_readonly(TesseraDrive *d);
int tessera_drive_read(TesseraDrive *d, uint64_t off, void *buf, size_t len);
int tessera_drive_write(TesseraDrive *d, uint64_t off, const void *buf,
                        size_t len);
/** Makes the range read as zeroes (may deallocate when discard=unmap). */
int tessera_drive_write_zeroes(TesseraDrive *d, uint64_t off, uint64_t len,
                               bool may_unmap);
/** Hints that the range is unused (may do nothing). */
int tessera_drive_discard(TesseraDrive *d, uint64_t off, uint64_t len);
int tessera_drive_flush(TesseraDrive *d);
const char *tessera_drive_error(TesseraDrive *d);

/* ---------------------------------------------------------------------- */
/* Entropy sources (ABI 2.2)                                               */

/*
 * -object rng-random,id=ID,filename=PATH (default /dev/urandom) or
 * -object rng-builtin,id=ID (the host's getrandom()).
 */
typedef struct TesseraRng TesseraRng;

/**
 * The entropy object named id; id NULL or "" gives a default
 * rng-random on /dev/urandom. NULL (after an error message) when there is
 * no such object or the source cannot be opened.
 */
TesseraRng *tessera_rng_find(const char *id);
/**
 * Reads up to len bytes without blocking. Returns how many (0 when the
 * source has none now: try again later), or -1 on an error.
 */
long tessera_rng_read(TesseraRng *rng, void *buf, size_t len);

/* ---------------------------------------------------------------------- */
/* The class                                                               */

typedef struct TesseraDeviceClass {
    const char *name;        /* type name used by board files */
    const char *description; /* one line for -device help */
    const TesseraProp *props; /* array ended by an entry with name NULL */
    size_t state_size;
    /** Called once after the properties are set; 0 or -1 (with message). */
    int (*realize)(TesseraDevice *dev, void *state);
    /**
     * Machine reset; may be NULL. A configuration error found only now
     * (e.g. from the loaded image's symbols): print it with
     * tessera_error() and call tessera_request_exit(1); the machine then
     * stops instead of starting.
     */
    void (*reset)(TesseraDevice *dev, void *state);
    /**
     * Adds the device's node to a device tree (a libfdt blob opened with
     * fdt_open_into; use the libfdt "rw" functions). May be NULL. Returns
     * 0 or -1.
     */
    int (*fdt_node)(TesseraDevice *dev, void *state, void *fdt, int parent);
    /**
     * Frees what realize() allocated (timers, buffers) when the machine is
     * torn down; the core frees the state block itself. May be NULL.
     */
    void (*finalize)(TesseraDevice *dev, void *state);
    /*
     * For -device NAME,help (may be NULL): what realize() maps, e.g. "0x10000
     * bytes at base", and the input lines it declares, e.g. "1..1023:
     * interrupt sources (from other devices' irq properties)".
     */
    const char *mmio_help;
    const char *irq_inputs_help;
    /*
     * ABI 2.2. A class with a slot type can be added on the command line
     * (-device NAME,prop=value,...) without an address: it takes the place
     * of a free board device of type slot_type (a board-file [device] that
     * no -device took yet), inheriting that device's name, its
     * board-file properties that this class also declares (base, irq...)
     * and its place in the device list (so device-tree order stays). The
     * slots are taken in board-file order (the virt board lists its
     * virtio-mmio slots from the highest address down, the order in which
     * QEMU fills them). E.g. virtio devices use "virtio-mmio"; a class may
     * name another -device class ("virtconsole" takes a
     * "virtio-serial-device").
     */
    const char *slot_type;
} TesseraDeviceClass;

/* ---------------------------------------------------------------------- */
/* Device tree helpers (for fdt_node; added in ABI 1.1)                    */

/**
 * The phandle of the device's node. The core allocates it on first use and
 * keeps it for the machine's lifetime, so a device may refer to another
 * device's phandle before that device has written its node. A device that
 * others refer to (an interrupt controller, a syscon) writes its own
 * "phandle" property with this value.
 */
uint32_t tessera_dev_phandle(TesseraDevice *dev);

/**
 * The phandle of CPU cpu's interrupt controller node (the board logic
 * writes that node, e.g. /cpus/cpu@0/interrupt-controller on RISC-V).
 */
uint32_t tessera_cpu_intc_phandle(unsigned cpu);

/** Where one output line goes, as the board file wired it. */
typedef struct TesseraIrqTarget {
    TesseraDevice *dev;     /* target device, or NULL for a CPU */
    int cpu;                /* target CPU index, or -1 for a device */
    unsigned input;         /* input number (for CPUs: index in irq_inputs) */
    const char *input_name; /* for CPUs: the arch's input name ("meip") */
} TesseraIrqTarget;

/**
 * Fills *t with the target of output line index of IRQ property name.
 * Returns false when that line is not wired. Valid after wiring (in
 * reset() and fdt_node()), not in realize().
 */
bool tessera_dev_irq_target(TesseraDevice *dev, const char *name,
                            unsigned index, TesseraIrqTarget *t);

/** Registers a device class; call from the plugin's init. 0 or -1. */
int tessera_register_device(const TesseraDeviceClass *cls);

/** Finds a device instance by name ("plic0"); NULL when absent. */
TesseraDevice *tessera_device_find(const char *name);
/** The first device of type type ("clint") in board-file order (ABI 1.3). */
TesseraDevice *tessera_device_find_type(const char *type);

#ifdef __cplusplus
}
#endif

#endif
