/* SPDX-License-Identifier: MIT */
/* Board-file parser and number parsing: every error names file and line. */
#include <CUnit/Basic.h>
#include <string.h>

#include "kernel/board.h"
#include "kernel/util.h"
#include "tests/unit/unit.h"

static char err[1024];

static BoardConfig *parse(const char *text)
{
    err[0] = 0;
    return board_parse("t.ini", text, err, sizeof(err));
}

/* Parsing must fail with a message that starts with "t.ini:LINE:" and
 * contains the given words. */
static void expect_error(const char *text, int line, const char *words)
{
    char prefix[32];
    BoardConfig *cfg = parse(text);
    CU_ASSERT_PTR_NULL(cfg);
    board_free(cfg);
    snprintf(prefix, sizeof(prefix), "t.ini:%d:", line);
    if (strncmp(err, prefix, strlen(prefix)) || !strstr(err, words)) {
        fprintf(stderr, "\n  got error '%s', want prefix '%s' and '%s'\n", err,
                prefix, words);
        CU_FAIL("wrong error message");
    }
}

static void test_valid(void)
{
    BoardConfig *cfg = parse("; comment\n"
                             "[board]\n"
                             "name = virt   ; inline comment\n"
                             "\n"
                             "[cpu]\n"
                             "arch = riscv\n"
                             "[memory dram]\n"
                             "base = 0x80000000\n"
                             "size = 128M\n"
                             "[device uart0]\n"
                             "type = ns16550a\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    CU_ASSERT_EQUAL(cfg->nsections, 4);
    BoardSection *b = board_section(cfg, SECTION_BOARD);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_STRING_EQUAL(board_get(b, "name")->value, "virt");
    CU_ASSERT_EQUAL(board_get(b, "name")->line, 3);
    BoardSection *m = board_section(cfg, SECTION_MEMORY);
    CU_ASSERT_STRING_EQUAL(m->name, "dram");
    CU_ASSERT_EQUAL(m->line, 7);
    CU_ASSERT_EQUAL(board_get(m, "size")->line, 9);
    BoardSection *d = board_section(cfg, SECTION_DEVICE);
    CU_ASSERT_STRING_EQUAL(d->name, "uart0");
    CU_ASSERT_PTR_NULL(board_get(d, "base"));
    board_free(cfg);
}

static void test_syntax_errors(void)
{
    expect_error("[board]\nname = x\nthis line has no equals sign\n", 3,
                 "syntax error");
    expect_error("[board\nname = x\n", 1, "syntax error");
    expect_error("name = x\n[board]\n", 1, "outside any section");
}

static void test_section_errors(void)
{
    expect_error("[board]\n[gadget x]\nk = v\n", 2, "unknown section");
    expect_error("[board]\nname = a\n[device]\ntype = x\n", 3, "needs a name");
    expect_error("[board]\nname = a\n[memory]\nsize = 1\n", 3, "needs a name");
    expect_error("[board]\nname = a\n[device a b c]\ntype = x\n", 3,
                 "expected [KIND]");
    expect_error("[board]\nname = a\n[device u/0]\ntype = x\n", 3, "bad name");
    expect_error("[board]\nname = a\n[device u0]\ntype = x\n"
                 "[memory u0]\nsize = 1\n",
                 5, "already used on line 3");
    expect_error("[board]\nname = a\n[cpu]\narch = x\n[cpu]\narch = y\n", 5,
                 "second [cpu]");
    expect_error("[board x]\nname = a\n", 1, "takes no name");
    expect_error("[cpu]\narch = riscv\n", 1, "no [board] section");
}

static void test_key_errors(void)
{
    expect_error("[board]\nname = a\nname = b\n", 3, "given twice (first on line 2)");
    char text[600];
    memset(text, 'x', sizeof(text));
    memcpy(text, "[board]\nname = ", 15);
    text[sizeof(text) - 2] = '\n';
    text[sizeof(text) - 1] = 0;
    /* Long lines are fine: nothing is cut. */
    BoardConfig *cfg = parse(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    CU_ASSERT_EQUAL(strlen(board_get(board_section(cfg, SECTION_BOARD),
                                     "name")->value),
                    sizeof(text) - 2 - 15);
    board_free(cfg);
}

/* Issue 16: '#' comments, line endings, empty headers. */
static void test_comments_and_line_endings(void)
{
    static const char *const texts[] = {
        "[board]\nname = a # a comment\n[cpu]\narch = riscv ; another\n",
        "[board]\r\nname = a\r\n[cpu]\r\narch = riscv\r\n",
        "[board]\rname = a\r[cpu]\rarch = riscv\r",
        "\xef\xbb\xbf[board] ; after a BOM\nname=a\n[cpu]\narch=riscv",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        BoardConfig *cfg = parse(texts[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
        CU_ASSERT_STRING_EQUAL(
            board_get(board_section(cfg, SECTION_BOARD), "name")->value, "a");
        BoardKV *arch = board_get(board_section(cfg, SECTION_CPU), "arch");
        CU_ASSERT_STRING_EQUAL(arch->value, "riscv");
        CU_ASSERT_EQUAL(arch->line, 4);
        board_free(cfg);
    }
    /* '#' or ';' inside a word is part of the value. */
    BoardConfig *cfg = parse("[board]\nname = a#b;c\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    CU_ASSERT_STRING_EQUAL(
        board_get(board_section(cfg, SECTION_BOARD), "name")->value, "a#b;c");
    board_free(cfg);
    expect_error("[board]\nname = a\n[]\n", 3, "empty section name");
    expect_error("[board]\nname = a\n[ ]\nk = v\n", 3, "empty section name");
    expect_error("[board]\nname = a\r= v\r", 3, "has no key");
    expect_error("[board]\nname = a\n[cpu] x\n", 3, "syntax error");
}

static void test_check_keys(void)
{
    static const char *const allowed[] = {"name", "description", NULL};
    BoardConfig *cfg = parse("[board]\nname = a\n\ndescriptoin = typo\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    CU_ASSERT_FALSE(board_check_keys(cfg, board_section(cfg, SECTION_BOARD),
                                     allowed, err, sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.ini:4: unknown key 'descriptoin'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "name, description"));
    board_free(cfg);
}

static void test_numbers(void)
{
    uint64_t v;
    CU_ASSERT_TRUE(util_parse_u64("4096", &v) && v == 4096);
    CU_ASSERT_TRUE(util_parse_u64("0x80000000", &v) && v == 0x80000000);
    CU_ASSERT_TRUE(util_parse_u64("0x8000_0000", &v) && v == 0x80000000);
    CU_ASSERT_TRUE(util_parse_u64("128M", &v) && v == 128ull << 20);
    CU_ASSERT_TRUE(util_parse_u64("2g", &v) && v == 2ull << 30);
    CU_ASSERT_TRUE(util_parse_u64("64KiB", &v) && v == 64 << 10);
    CU_ASSERT_TRUE(util_parse_u64(" 12 ", &v) && v == 12);
    CU_ASSERT_TRUE(util_parse_u64("010", &v) && v == 8);
    CU_ASSERT_TRUE(util_parse_u64("0b101", &v) && v == 5);
    CU_ASSERT_TRUE(util_parse_u64("0", &v) && v == 0);
    CU_ASSERT_TRUE(util_parse_u64("0xffffffffffffffff", &v) && v == UINT64_MAX);
    CU_ASSERT_FALSE(util_parse_u64("0x1_0000_0000_0000_0000", &v));
    CU_ASSERT_FALSE(util_parse_u64("", &v));
    CU_ASSERT_FALSE(util_parse_u64("0x", &v));
    CU_ASSERT_FALSE(util_parse_u64("12Q", &v));
    CU_ASSERT_FALSE(util_parse_u64("-1", &v));
    CU_ASSERT_FALSE(util_parse_u64("99999999999T", &v));
    CU_ASSERT_FALSE(util_parse_u64("1 2", &v));
    /* Frequencies: K/M/G are powers of 1000. */
    CU_ASSERT_TRUE(util_parse_freq("16M", &v) && v == 16000000);
    CU_ASSERT_TRUE(util_parse_freq("16MHz", &v) && v == 16000000);
    CU_ASSERT_TRUE(util_parse_freq("1M", &v) && v == 1000000);
    CU_ASSERT_TRUE(util_parse_freq("32k", &v) && v == 32000);
    CU_ASSERT_TRUE(util_parse_freq("3686400", &v) && v == 3686400);
    CU_ASSERT_TRUE(util_parse_freq("1G", &v) && v == 1000000000);
    CU_ASSERT_FALSE(util_parse_freq("0", &v));
    CU_ASSERT_FALSE(util_parse_freq("0x10", &v));
    CU_ASSERT_FALSE(util_parse_freq("16MiB", &v));
    CU_ASSERT_FALSE(util_parse_freq("-1", &v));
    CU_ASSERT_FALSE(util_parse_freq("99999999999G", &v));
    bool b;
    CU_ASSERT_TRUE(util_parse_bool("on", &b) && b);
    CU_ASSERT_TRUE(util_parse_bool("No", &b) && !b);
    CU_ASSERT_FALSE(util_parse_bool("maybe", &b));
}

int main(void)
{
    static const UnitTest tests[] = {
        {"valid file", test_valid},
        {"syntax errors", test_syntax_errors},
        {"section errors", test_section_errors},
        {"key errors", test_key_errors},
        {"comments and line endings", test_comments_and_line_endings},
        {"unknown keys", test_check_keys},
        {"numbers and booleans", test_numbers},
    };
    return UNIT_RUN("board", tests);
}
