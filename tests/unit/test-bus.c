/* SPDX-License-Identifier: MIT */
/* The memory bus: regions, overlap rules, MMIO sizes, bus errors. */
#include <CUnit/Basic.h>
#include <string.h>

#include "kernel/bus.h"
#include "kernel/log.h"
#include "tests/unit/unit.h"

typedef struct FakeDev {
    uint64_t regs[4];
    unsigned last_size;
    unsigned reads, writes;
} FakeDev;

static uint64_t fake_read(void *opaque, uint64_t off, unsigned size)
{
    FakeDev *d = opaque;
    d->last_size = size;
    d->reads++;
    uint64_t v;
    memcpy(&v, (uint8_t *)d->regs + off, 8);
    return size == 8 ? v : v & ((1ull << (size * 8)) - 1);
}

static void fake_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    FakeDev *d = opaque;
    d->last_size = size;
    d->writes++;
    memcpy((uint8_t *)d->regs + off, &v, size);
}

static const TesseraMmioOps ops_any = {fake_read, fake_write, 0, 0};
static const TesseraMmioOps ops_32 = {fake_read, fake_write, 4, 4};

static int clean(void)
{
    bus_reset_all();
    return 0;
}

static void test_ram_rw(void)
{
    uint64_t v = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(bus_add_ram("ram", 0x80000000, 0x10000));
    CU_ASSERT_TRUE(bus_write(0x80000010, 4, 0xdeadbeef));
    CU_ASSERT_TRUE(bus_read(0x80000010, 4, &v));
    CU_ASSERT_EQUAL(v, 0xdeadbeef);
    CU_ASSERT_TRUE(bus_read(0x80000010, 1, &v));
    CU_ASSERT_EQUAL(v, 0xef); /* little-endian */
    CU_ASSERT_TRUE(bus_write(0x80000020, 8, 0x0123456789abcdefull));
    CU_ASSERT_TRUE(bus_read(0x80000024, 2, &v));
    CU_ASSERT_EQUAL(v, 0x4567);
    /* Unmapped and running off the end are bus errors. */
    CU_ASSERT_FALSE(bus_read(0x70000000, 4, &v));
    CU_ASSERT_FALSE(bus_read(0x8000fffc, 8, &v));
    CU_ASSERT_FALSE(bus_write(0x90000000, 1, 0));
    clean();
}

static void test_overlap_rejected(void)
{
    CU_ASSERT_PTR_NOT_NULL(bus_add_ram("a", 0x1000, 0x1000));
    CU_ASSERT_PTR_NULL(bus_add_ram("b", 0x1800, 0x1000));
    CU_ASSERT_PTR_NULL(bus_add_rom("c", 0x0, 0x1001));
    CU_ASSERT_PTR_NOT_NULL(bus_add_rom("d", 0x2000, 0x1000));
    CU_ASSERT_PTR_NULL(bus_add_ram("empty", 0x5000, 0));
    CU_ASSERT_PTR_NULL(bus_add_ram("wrap", UINT64_MAX - 10, 0x100));
    FakeDev d = {0};
    CU_ASSERT_PTR_NOT_NULL(bus_add_mmio("m", 0x10000, 0x100, &ops_any, &d));
    CU_ASSERT_PTR_NULL(bus_add_mmio("m2", 0x10080, 0x100, &ops_any, &d));
    CU_ASSERT_PTR_NULL(bus_add_mmio("m3", 0x2800, 0x10, &ops_any, &d));
    CU_ASSERT_EQUAL(bus_region_count(), 3);
    clean();
}

static void test_rom_ignores_cpu_writes(void)
{
    uint64_t v = 1;
    uint8_t img[4] = {1, 2, 3, 4};
    CU_ASSERT_PTR_NOT_NULL(bus_add_rom("rom", 0x1000, 0x1000));
    CU_ASSERT_TRUE(bus_write_buf(0x1000, img, 4)); /* loaders may write */
    CU_ASSERT_TRUE(bus_write(0x1000, 4, 0xffffffff)); /* ignored */
    CU_ASSERT_TRUE(bus_read(0x1000, 4, &v));
    CU_ASSERT_EQUAL(v, 0x04030201);
    clean();
}

static void test_mmio_sizes(void)
{
    FakeDev d = {0};
    uint64_t v;
    CU_ASSERT_PTR_NOT_NULL(bus_add_mmio("dev", 0x10000000, 0x20, &ops_32, &d));
    /* An 8-byte access is split into two 4-byte ones. */
    CU_ASSERT_TRUE(bus_write(0x10000000, 8, 0x1122334455667788ull));
    CU_ASSERT_EQUAL(d.writes, 2);
    CU_ASSERT_EQUAL(d.last_size, 4);
    CU_ASSERT_EQUAL(d.regs[0], 0x1122334455667788ull);
    /* A 1-byte read is widened to 4 and the right byte extracted. */
    d.reads = 0;
    CU_ASSERT_TRUE(bus_read(0x10000002, 1, &v));
    CU_ASSERT_EQUAL(v, 0x66);
    CU_ASSERT_EQUAL(d.last_size, 4);
    /* A 1-byte write becomes read-modify-write of 4 bytes. */
    CU_ASSERT_TRUE(bus_write(0x10000001, 1, 0xaa));
    CU_ASSERT_EQUAL(d.regs[0] & 0xffffffff, 0x5566aa88);
    clean();
}

static void test_mmio_overlays_ram(void)
{
    FakeDev d = {0};
    uint64_t v;
    CU_ASSERT_PTR_NOT_NULL(bus_add_ram("ram", 0x80000000, 0x10000));
    CU_ASSERT_TRUE(bus_write(0x80000000, 4, 0x11111111));
    CU_ASSERT_TRUE(bus_write(0x80002008, 4, 0x22222222));
    CU_ASSERT_PTR_NOT_NULL(bus_add_mmio("htif", 0x80001000, 0x10, &ops_any, &d));
    CU_ASSERT_EQUAL(bus_region_count(), 3);
    /* RAM on both sides keeps its contents and host mapping. */
    CU_ASSERT_TRUE(bus_read(0x80000000, 4, &v));
    CU_ASSERT_EQUAL(v, 0x11111111);
    CU_ASSERT_TRUE(bus_read(0x80002008, 4, &v));
    CU_ASSERT_EQUAL(v, 0x22222222);
    CU_ASSERT_TRUE(bus_write(0x80001008, 8, 42));
    CU_ASSERT_EQUAL(d.regs[1], 42);
    Region *r = bus_lookup(0x80001010);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(r->kind, REGION_RAM);
    CU_ASSERT_EQUAL(r->base, 0x80001010);
    clean();
}

static void test_unimp(void)
{
    uint64_t v = 5;
    CU_ASSERT_PTR_NOT_NULL(bus_add_unimp("gpio", 0x20000, 0x1000));
    CU_ASSERT_TRUE(bus_write(0x20010, 4, 7));
    CU_ASSERT_TRUE(bus_read(0x20010, 4, &v));
    CU_ASSERT_EQUAL(v, 0);
    clean();
}

static void test_buf_copy(void)
{
    uint8_t out[32], in[32];
    for (int i = 0; i < 32; i++)
        in[i] = i;
    CU_ASSERT_PTR_NOT_NULL(bus_add_ram("a", 0x1000, 0x1000));
    CU_ASSERT_PTR_NOT_NULL(bus_add_ram("b", 0x2000, 0x1000));
    /* A copy may span adjacent regions ... */
    CU_ASSERT_TRUE(bus_write_buf(0x1ff0, in, 32));
    CU_ASSERT_TRUE(bus_read_buf(0x1ff0, out, 32));
    CU_ASSERT_EQUAL(memcmp(in, out, 32), 0);
    /* ... but not a hole. */
    CU_ASSERT_FALSE(bus_write_buf(0x2ff0, in, 32));
    CU_ASSERT_EQUAL(tessera_phys_read(0x5000, out, 4), -1);
    clean();
}

static void test_alias(void)
{
    uint64_t v = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(bus_add_ram("ram", 0x10000, 0x4000));
    CU_ASSERT_PTR_NOT_NULL_FATAL(bus_add_rom("rom", 0x40000, 0x1000));
    Region *m = bus_add_alias("mirror", 0x20000, 0x2000, 0x12000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(m->kind, REGION_RAM);
    /* The same bytes through both views. */
    CU_ASSERT_TRUE(bus_write(0x12010, 4, 0x11223344));
    CU_ASSERT_TRUE(bus_read(0x20010, 4, &v));
    CU_ASSERT_EQUAL(v, 0x11223344);
    uint8_t in[4] = {1, 2, 3, 4}, out[4];
    CU_ASSERT_TRUE(bus_write_buf(0x21ffc, in, 4));
    CU_ASSERT_TRUE(bus_read_buf(0x13ffc, out, 4));
    CU_ASSERT_EQUAL(memcmp(in, out, 4), 0);
    CU_ASSERT_EQUAL(bus_canonical(0x20010), 0x12010);
    CU_ASSERT_EQUAL(bus_canonical(0x12010), 0x12010);
    /* A mirror of ROM is ROM. */
    Region *mr = bus_add_alias("rom-mirror", 0x50000, 0x1000, 0x40000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
    CU_ASSERT_EQUAL(mr->kind, REGION_ROM);
    /* Refused: past its target's end, a mirror of a mirror, of nothing,
     * misaligned, overlapping. */
    CU_ASSERT_PTR_NULL(bus_add_alias("long", 0x30000, 0x3000, 0x12000));
    CU_ASSERT_PTR_NULL(bus_add_alias("twice", 0x30000, 0x1000, 0x20000));
    CU_ASSERT_PTR_NULL(bus_add_alias("none", 0x30000, 0x1000, 0x90000));
    CU_ASSERT_PTR_NULL(bus_add_alias("odd", 0x30800, 0x800, 0x10000));
    CU_ASSERT_PTR_NULL(bus_add_alias("over", 0x11000, 0x1000, 0x10000));
    clean();
}

int main(void)
{
    static const UnitTest tests[] = {
        {"ram read/write and bus errors", test_ram_rw},
        {"overlaps rejected", test_overlap_rejected},
        {"rom ignores cpu writes", test_rom_ignores_cpu_writes},
        {"mmio access sizes split/widened", test_mmio_sizes},
        {"mmio overlays ram", test_mmio_overlays_ram},
        {"unimplemented regions", test_unimp},
        {"buffer copies", test_buf_copy},
        {"mirrors (aliases)", test_alias},
    };
    return UNIT_RUN("bus", tests);
}
