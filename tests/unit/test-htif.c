/* SPDX-License-Identifier: MIT */
/* HTIF on the plugin's own source with a fake core (fake-core.c). */
#include <CUnit/Basic.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/devices/riscv/htif.c"
#include "tests/unit/fake-core.h"
#include "tests/unit/unit.h"

static void *st;

#define TOHOST 0x80001000u
#define FROMHOST 0x80001040u
#define RAM 0x80002000u

static const char *const syms[] = {"tohost", "0x80001000", "fromhost",
                                   "0x80001040", NULL};

static void setup(void)
{
    fake_reset();
    fake.symbols = syms;
    fake.ram_base = RAM;
    CU_ASSERT_EQUAL_FATAL(fake_realize(&st), 0);
    CU_ASSERT_EQUAL(fake.nregions, 0); /* nothing before images are loaded */
    fake_dev_reset(st);
}

static uint64_t cmd(unsigned dev, unsigned c, uint64_t payload)
{
    return ((uint64_t)dev << 56) | ((uint64_t)c << 48) | payload;
}

static void test_maps_at_symbols(void)
{
    setup();
    CU_ASSERT_EQUAL_FATAL(fake.nregions, 2);
    CU_ASSERT_EQUAL(fake.regions[0].base, TOHOST);
    CU_ASSERT_EQUAL(fake.regions[0].size, 8);
    CU_ASSERT_EQUAL(fake.regions[1].base, FROMHOST);
    /* A second reset keeps the mapping. */
    fake_dev_reset(st);
    CU_ASSERT_EQUAL(fake.nregions, 2);
    free(st);
}

static void test_properties_override(void)
{
    static const char *const p[] = {"tohost", "0x80000100", "fromhost",
                                    "0x80000108", NULL};
    fake_reset();
    fake.symbols = syms;
    fake.props = p;
    CU_ASSERT_EQUAL_FATAL(fake_realize(&st), 0);
    fake_dev_reset(st);
    CU_ASSERT_EQUAL_FATAL(fake.nregions, 2);
    CU_ASSERT_EQUAL(fake.regions[0].base, 0x80000100);
    CU_ASSERT_EQUAL(fake.regions[1].base, 0x80000108);
    free(st);
}

static void test_no_symbols(void)
{
    fake_reset();
    CU_ASSERT_EQUAL_FATAL(fake_realize(&st), 0);
    fake_dev_reset(st);
    CU_ASSERT_EQUAL(fake.nregions, 0);
    CU_ASSERT_EQUAL(fake.errors, 0);
    free(st);
}

static void test_exit(void)
{
    setup();
    fake_write(TOHOST, (7 << 1) | 1, 8);
    CU_ASSERT_EQUAL(fake.exit_status, 7);
    free(st);
}

static void test_exit_pass(void)
{
    setup();
    fake_write(TOHOST, 1, 8);
    CU_ASSERT_EQUAL(fake.exit_status, 0);
    free(st);
}

/* RV32: low half first, the command fires with the high half. */
static void test_exit_halves(void)
{
    setup();
    fake_write(TOHOST, (3 << 1) | 1, 4);
    CU_ASSERT_EQUAL(fake.exit_status, -1);
    CU_ASSERT_EQUAL(fake_read(TOHOST, 4), 7);
    fake_write(TOHOST + 4, 0, 4);
    CU_ASSERT_EQUAL(fake.exit_status, 3);
    free(st);
}

static void test_putchar(void)
{
    setup();
    fake_write(TOHOST, cmd(1, 1, 'A'), 8);
    CU_ASSERT_EQUAL(fake.out_len, 1);
    CU_ASSERT_EQUAL(fake.out[0], 'A');
    /* Taken: tohost cleared; acknowledged in fromhost as spike does. */
    CU_ASSERT_EQUAL(fake_read(TOHOST, 8), 0);
    CU_ASSERT_EQUAL(fake_read(FROMHOST, 8), cmd(1, 1, 0x100 | 'A'));
    fake_write(FROMHOST, 0, 8);
    /* 32-bit halves. */
    fake_write(TOHOST, 'B', 4);
    fake_write(TOHOST + 4, 0x01010000, 4);
    CU_ASSERT_EQUAL(fake.out_len, 2);
    CU_ASSERT_EQUAL(fake.out[1], 'B');
    CU_ASSERT_EQUAL(fake_read(FROMHOST + 4, 4), 0x01010000);
    free(st);
}

static void test_getchar(void)
{
    setup();
    fake_input("xy", 2);
    CU_ASSERT_EQUAL(fake.in_len, 2); /* nobody asked yet */
    fake_write(TOHOST, cmd(1, 0, 0), 8);
    CU_ASSERT_EQUAL(fake_read(FROMHOST, 8), cmd(1, 0, 0x100 | 'x'));
    CU_ASSERT_EQUAL(fake.in_len, 1);
    fake_write(FROMHOST, 0, 8);
    CU_ASSERT_EQUAL(fake.in_len, 1); /* one byte per request */
    fake_write(TOHOST, cmd(1, 0, 0), 8);
    CU_ASSERT_EQUAL(fake_read(FROMHOST, 8), cmd(1, 0, 0x100 | 'y'));
    fake_write(FROMHOST, 0, 8);
    /* A request with no input pending is answered when input comes. */
    fake_write(TOHOST, cmd(1, 0, 0), 8);
    CU_ASSERT_EQUAL(fake_read(FROMHOST, 8), 0);
    fake_input("z", 1);
    CU_ASSERT_EQUAL(fake_read(FROMHOST, 8), cmd(1, 0, 0x100 | 'z'));
    free(st);
}

/* The syscall proxy of riscv-tests' benchmarks: write and exit. */
static void test_syscall_write(void)
{
    uint64_t blk[8] = {64, 1, RAM + 0x100, 5};
    uint64_t ret;

    setup();
    memcpy(fake.ram, blk, sizeof(blk));
    memcpy(fake.ram + 0x100, "hello", 5);
    fake_write(TOHOST, RAM, 8);
    CU_ASSERT_EQUAL(fake.out_len, 5);
    CU_ASSERT_EQUAL(memcmp(fake.out, "hello", 5), 0);
    memcpy(&ret, fake.ram, 8);
    CU_ASSERT_EQUAL(ret, 5);
    CU_ASSERT_EQUAL(fake_read(FROMHOST, 8), 1);
    CU_ASSERT_EQUAL(fake_read(TOHOST, 8), 0);

    /* Unknown syscalls fail with -ENOSYS, bad fds with -EBADF. */
    fake_write(FROMHOST, 0, 8);
    blk[0] = 1234;
    memcpy(fake.ram, blk, sizeof(blk));
    fake_write(TOHOST, RAM, 8);
    memcpy(&ret, fake.ram, 8);
    CU_ASSERT_EQUAL((int64_t)ret, -38);
    blk[0] = 64;
    blk[1] = 5;
    memcpy(fake.ram, blk, sizeof(blk));
    fake_write(TOHOST, RAM, 8);
    memcpy(&ret, fake.ram, 8);
    CU_ASSERT_EQUAL((int64_t)ret, -9);
    free(st);
}

static void test_syscall_exit(void)
{
    uint64_t blk[8] = {93, 9};

    setup();
    memcpy(fake.ram, blk, sizeof(blk));
    fake_write(TOHOST, RAM, 8);
    CU_ASSERT_EQUAL(fake.exit_status, 9);
    free(st);
}

static void test_misaligned_symbols(void)
{
    static const char *const bad[] = {"tohost", "0x80001004", NULL};
    fake_reset();
    fake.symbols = bad;
    CU_ASSERT_EQUAL_FATAL(fake_realize(&st), 0);
    fake_dev_reset(st);
    CU_ASSERT_EQUAL(fake.errors, 1);
    CU_ASSERT_EQUAL(fake.nregions, 0);
    /* The machine must not start without the HTIF it was given. */
    CU_ASSERT_EQUAL(fake.exit_status, 1);
    free(st);
}

int main(void)
{
    static const UnitTest tests[] = {
        {"maps over tohost/fromhost", test_maps_at_symbols},
        {"properties override symbols", test_properties_override},
        {"no symbols: inactive", test_no_symbols},
        {"exit", test_exit},
        {"exit 0", test_exit_pass},
        {"exit in halves", test_exit_halves},
        {"putchar", test_putchar},
        {"getchar", test_getchar},
        {"syscall write", test_syscall_write},
        {"syscall exit", test_syscall_exit},
        {"misaligned symbols", test_misaligned_symbols},
    };

    fake_reset();
    if (tessera_plugin_descriptor.init() != 0 || !fake.cls)
        return 1;
    return UNIT_RUN("htif", tests);
}
