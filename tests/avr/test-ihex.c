/* SPDX-License-Identifier: MIT */
/* Intel HEX parser: record types, addressing, and the errors it names. */
#include <string.h>

#include "loader/loader.h"
#include "tests/unit/unit.h"

static int parse(const char *text, IhexImage *img, char *err)
{
    return ihex_parse((const uint8_t *)text, strlen(text), img, err, 256);
}

static void test_data_and_merge(void)
{
    IhexImage img;
    char err[256];
    /* Two contiguous records merge; CRLF and blank lines are fine. */
    CU_ASSERT_EQUAL(parse(":0400000001020304F2\r\n\r\n:02000400AABB95\r\n"
                          ":00000001FF\r\n",
                          &img, err),
                    0);
    CU_ASSERT_EQUAL_FATAL(img.nchunks, 1);
    CU_ASSERT_EQUAL(img.chunks[0].addr, 0);
    CU_ASSERT_EQUAL(img.chunks[0].len, 6);
    CU_ASSERT_EQUAL(img.chunks[0].data[5], 0xbb);
    CU_ASSERT_FALSE(img.has_entry);
    ihex_free(&img);
}

static void test_extended_addresses(void)
{
    IhexImage img;
    char err[256];
    /* 04: linear base 0x10000; 02: segment base 0x1230 << 4; 05: entry */
    CU_ASSERT_EQUAL(parse(":020000040001F9\n:01001000559A\n"
                          ":020000021230BA\n:01000000AA55\n"
                          ":0400000500000100F6\n:00000001FF\n",
                          &img, err),
                    0);
    CU_ASSERT_EQUAL_FATAL(img.nchunks, 2);
    CU_ASSERT_EQUAL(img.chunks[0].addr, 0x10010);
    CU_ASSERT_EQUAL(img.chunks[1].addr, 0x12300);
    CU_ASSERT_TRUE(img.has_entry);
    CU_ASSERT_EQUAL(img.entry, 0x100);
    ihex_free(&img);
}

static void test_errors(void)
{
    IhexImage img;
    char err[256];
    CU_ASSERT_EQUAL(parse(":0400000001020304F3\n:00000001FF\n", &img, err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "line 1: bad checksum"));
    CU_ASSERT_EQUAL(parse(":00000001FF\nx\n", &img, err), 0);
    ihex_free(&img); /* nothing is read after the end record */
    CU_ASSERT_EQUAL(parse("\n0400\n", &img, err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "line 2: a record starts with ':'"));
    CU_ASSERT_EQUAL(parse(":0400000001020304F2\n", &img, err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no end-of-file record"));
    CU_ASSERT_EQUAL(parse(":0500000001020304F2\n", &img, err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "byte count"));
    CU_ASSERT_EQUAL(parse(":0000000AF6\n", &img, err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown record type 0a"));
    CU_ASSERT_EQUAL(parse(":0G000001FF\n", &img, err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a hex byte"));
    CU_ASSERT_PTR_NULL(img.chunks);
}

/* Detection skips the blank lines that the parser accepts too. */
static void test_detect(void)
{
    static const char ok[] = ":0400000001020304F2\n:00000001FF\n";
    static const char blank[] = "\n\r\n:0400000001020304F2\n:00000001FF\n";
    CU_ASSERT_TRUE(ihex_detect((const uint8_t *)ok, strlen(ok)));
    CU_ASSERT_TRUE(ihex_detect((const uint8_t *)blank, strlen(blank)));
    IhexImage img;
    char err[256];
    CU_ASSERT_EQUAL(parse(blank, &img, err), 0);
    ihex_free(&img);
    /* Raw binaries (an AVR vector table) and near misses are not HEX. */
    static const uint8_t raw[] = {0x0c, 0x94, 0x34, 0x00, 0x0c, 0x94, 0x3e,
                                  0x00, 0x0c, 0x94, 0x3e, 0x00};
    CU_ASSERT_FALSE(ihex_detect(raw, sizeof(raw)));
    CU_ASSERT_FALSE(ihex_detect((const uint8_t *)":0400", 5));
    CU_ASSERT_FALSE(ihex_detect((const uint8_t *)" :0400000001020304F2", 20));
    CU_ASSERT_FALSE(ihex_detect((const uint8_t *)":04000000010203G4F2", 19));
    CU_ASSERT_FALSE(ihex_detect((const uint8_t *)"\n\n", 2));
}

int main(void)
{
    static const UnitTest tests[] = {
        {"data records merge", test_data_and_merge},
        {"extended addresses and entry", test_extended_addresses},
        {"errors name the line", test_errors},
        {"detection", test_detect},
    };
    return UNIT_RUN("ihex", tests);
}
