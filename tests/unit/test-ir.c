/* SPDX-License-Identifier: MIT */
/*
 * The IR optimiser, checked on the op list it leaves: constant folding and
 * propagation, copy propagation and its limits (global writes, helpers,
 * labels), branch folding, dead code.
 */
#include <CUnit/Basic.h>
#include <string.h>

#include "kernel/ir-internal.h"
#include "tests/unit/unit.h"

static TesseraIR *b;

#define G(i) tessera_ir_global(b, 8 * (i))
#define C(v) tessera_ir_const(b, (v))

static void begin(void)
{
    b = ir_begin(NULL, 0x1000, 0, 0);
    tessera_ir_insn_start(b, 0x1000, 4, 1);
}

static void end_and_optimize(void)
{
    tessera_ir_goto(b, 0x1004);
    CU_ASSERT_TRUE(ir_validate(b));
    ir_optimize(b);
}

/* The n-th op that is not insn_start. */
static IROp *op(unsigned n)
{
    for (unsigned i = 0; i < b->nops; i++) {
        if (b->ops[i].opc == IR_INSN_START)
            continue;
        if (n-- == 0)
            return &b->ops[i];
    }
    return NULL;
}

static unsigned count(IROpc opc)
{
    unsigned n = 0;
    for (unsigned i = 0; i < b->nops; i++)
        n += b->ops[i].opc == opc;
    return n;
}

static bool is_const_val(TesseraVal v, uint64_t c)
{
    return ir_val_kind(v) == IR_VK_CONST && ir_const_value(b, v) == c;
}

static void test_fold_constants(void)
{
    begin();
    TesseraVal t = tessera_ir_temp(b);
    tessera_ir_binop(b, TESSERA_MUL, TESSERA_I64, t, C(6), C(7));
    tessera_ir_mov(b, TESSERA_I64, G(1), t);
    end_and_optimize();
    /* t is gone, the global gets the folded value. */
    CU_ASSERT_EQUAL(op(0)->opc, IR_MOV);
    CU_ASSERT_EQUAL(op(0)->v[0], G(1));
    CU_ASSERT_TRUE(is_const_val(op(0)->v[1], 42));
    CU_ASSERT_EQUAL(op(1)->opc, IR_GOTO);
    CU_ASSERT_EQUAL(count(IR_BINOP), 0);
}

static void test_fold_chain_and_widths(void)
{
    begin();
    TesseraVal t1 = tessera_ir_temp(b), t2 = tessera_ir_temp(b);
    TesseraVal t3 = tessera_ir_temp(b);
    tessera_ir_mov(b, TESSERA_I32, t1, C(0x100000005ull)); /* 5 */
    tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, t2, t1, C(3));
    tessera_ir_unop(b, TESSERA_NEG, TESSERA_I32, t3, t2); /* 0xfffffff8 */
    tessera_ir_binop(b, TESSERA_DIVU, TESSERA_I64, G(2), t3, C(0));
    tessera_ir_setcond(b, TESSERA_LT, TESSERA_I32, G(3), t3, C(0));
    end_and_optimize();
    CU_ASSERT_EQUAL(op(0)->opc, IR_MOV);
    CU_ASSERT_TRUE(is_const_val(op(0)->v[1], UINT64_MAX)); /* x/0 */
    CU_ASSERT_EQUAL(op(1)->opc, IR_MOV);
    CU_ASSERT_TRUE(is_const_val(op(1)->v[1], 1)); /* int32 -8 < 0 */
    CU_ASSERT_EQUAL(b->nops, 4); /* insn_start, 2 movs, goto */
}

static void test_copy_propagation(void)
{
    begin();
    TesseraVal t = tessera_ir_temp(b);
    tessera_ir_mov(b, TESSERA_I64, t, G(0));
    tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, G(1), t, C(1));
    tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, G(2), t, t);
    end_and_optimize();
    /* Both uses read the global directly; the copy is dead. */
    CU_ASSERT_EQUAL(op(0)->opc, IR_BINOP);
    CU_ASSERT_EQUAL(op(0)->v[1], G(0));
    CU_ASSERT_EQUAL(op(1)->v[1], G(0));
    CU_ASSERT_EQUAL(op(1)->v[2], G(0));
    CU_ASSERT_EQUAL(count(IR_MOV), 0);
}

static void test_copy_killed_by_global_write(void)
{
    begin();
    TesseraVal t = tessera_ir_temp(b);
    tessera_ir_mov(b, TESSERA_I64, t, G(0));
    tessera_ir_mov(b, TESSERA_I64, G(0), C(5));
    tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, G(1), t, C(1));
    end_and_optimize();
    /* t holds the old value of G(0): it must stay a temp. */
    CU_ASSERT_EQUAL(op(0)->opc, IR_MOV);
    CU_ASSERT_EQUAL(op(0)->v[0], t);
    CU_ASSERT_EQUAL(op(2)->opc, IR_BINOP);
    CU_ASSERT_EQUAL(op(2)->v[1], t);
}

static uint64_t dummy_helper(void *env, uint64_t a0, uint64_t a1,
                             uint64_t a2, uint64_t a3)
{
    return 0;
}

static void test_copy_killed_by_helper(void)
{
    begin();
    TesseraVal t = tessera_ir_temp(b), u = tessera_ir_temp(b);
    tessera_ir_mov(b, TESSERA_I64, t, G(0));
    tessera_ir_mov(b, TESSERA_I64, u, G(0));
    tessera_ir_call(b, dummy_helper, TESSERA_HELPER_PURE, TESSERA_IR_NONE, 0,
                    NULL);
    tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, G(1), u, C(1));
    tessera_ir_call(b, dummy_helper, 0, TESSERA_IR_NONE, 0, NULL);
    tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, G(2), t, C(1));
    end_and_optimize();
    /* A pure helper leaves env alone (and, unused, is removed); a normal
     * helper may write env, so t keeps its own slot. */
    CU_ASSERT_EQUAL(count(IR_CALL), 1);
    CU_ASSERT_EQUAL(op(0)->opc, IR_MOV);
    CU_ASSERT_EQUAL(op(0)->v[0], t);
    CU_ASSERT_EQUAL(op(1)->opc, IR_BINOP);
    CU_ASSERT_EQUAL(op(1)->v[1], G(0)); /* u replaced */
    CU_ASSERT_EQUAL(op(2)->opc, IR_CALL);
    CU_ASSERT_EQUAL(op(3)->v[1], t);
}

static void test_knowledge_reset_at_label(void)
{
    begin();
    TesseraVal t = tessera_ir_temp(b);
    TesseraLabel l = tessera_ir_label_new(b);
    tessera_ir_mov(b, TESSERA_I64, t, C(5));
    tessera_ir_brcond(b, TESSERA_EQ, TESSERA_I64, G(0), C(0), l);
    tessera_ir_mov(b, TESSERA_I64, t, C(6));
    tessera_ir_label_set(b, l);
    tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, G(1), t, C(1));
    end_and_optimize();
    /* Two paths join at l with t = 5 or 6: the add keeps reading t. */
    IROp *add = NULL;
    for (unsigned i = 0; i < b->nops; i++)
        if (b->ops[i].opc == IR_BINOP)
            add = &b->ops[i];
    CU_ASSERT_PTR_NOT_NULL_FATAL(add);
    CU_ASSERT_EQUAL(add->v[1], t);
    CU_ASSERT_EQUAL(count(IR_MOV), 2);
    CU_ASSERT_EQUAL(count(IR_LABEL), 1);
}

static void test_branch_folding(void)
{
    begin();
    TesseraLabel l1 = tessera_ir_label_new(b), l2 = tessera_ir_label_new(b);
    TesseraVal t = tessera_ir_temp(b);
    tessera_ir_mov(b, TESSERA_I64, t, C(3));
    /* Never taken: removed, and l1 loses its only branch. */
    tessera_ir_brcond(b, TESSERA_GTU, TESSERA_I64, t, C(4), l1);
    tessera_ir_mov(b, TESSERA_I64, G(1), t);
    tessera_ir_label_set(b, l1);
    /* Always taken: a plain branch; what follows up to l2 is dead. */
    tessera_ir_brcond(b, TESSERA_LEU, TESSERA_I64, t, C(3), l2);
    tessera_ir_mov(b, TESSERA_I64, G(2), C(9));
    tessera_ir_goto(b, 0x2000);
    tessera_ir_label_set(b, l2);
    tessera_ir_mov(b, TESSERA_I64, G(3), t);
    end_and_optimize();

    CU_ASSERT_EQUAL(count(IR_BRCOND), 0);
    CU_ASSERT_EQUAL(count(IR_BR), 1);
    CU_ASSERT_EQUAL(count(IR_GOTO), 1); /* the dead goto 0x2000 is gone */
    /* t is still read after l2 (knowledge is not carried over labels). */
    CU_ASSERT_EQUAL(op(0)->opc, IR_MOV);
    CU_ASSERT_EQUAL(op(0)->v[0], t);
    CU_ASSERT_EQUAL(op(1)->opc, IR_MOV);
    CU_ASSERT_EQUAL(op(1)->v[0], G(1));
    CU_ASSERT_TRUE(is_const_val(op(1)->v[1], 3));
    CU_ASSERT_EQUAL(op(2)->opc, IR_BR);
    CU_ASSERT_EQUAL(op(3)->opc, IR_LABEL);
    CU_ASSERT_EQUAL(op(3)->imm, l2);
    CU_ASSERT_EQUAL(op(4)->opc, IR_MOV);
    CU_ASSERT_EQUAL(op(4)->v[0], G(3));
    CU_ASSERT_EQUAL(count(IR_LABEL), 1);
}

static void test_dead_code(void)
{
    begin();
    TesseraVal t1 = tessera_ir_temp(b), t2 = tessera_ir_temp(b);
    TesseraVal t3 = tessera_ir_temp(b), t4 = tessera_ir_temp(b);
    tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, t1, G(0), G(1)); /* dead */
    tessera_ir_binop(b, TESSERA_XOR, TESSERA_I64, t2, G(0), G(2));
    tessera_ir_unop(b, TESSERA_NOT, TESSERA_I64, t3, t2);          /* dead */
    tessera_ir_load(b, t4, G(3), 0, TESSERA_MO_32, 0); /* may fault: kept */
    tessera_ir_call(b, dummy_helper, TESSERA_HELPER_PURE, t1, 0, NULL);
    tessera_ir_store(b, t2, G(4), 8, TESSERA_MO_64, 0);
    end_and_optimize();
    CU_ASSERT_EQUAL(op(0)->opc, IR_BINOP);
    CU_ASSERT_EQUAL(op(0)->sub, TESSERA_XOR);
    CU_ASSERT_EQUAL(op(1)->opc, IR_LOAD);
    CU_ASSERT_EQUAL(op(2)->opc, IR_STORE);
    CU_ASSERT_EQUAL(op(3)->opc, IR_GOTO);
    CU_ASSERT_EQUAL(count(IR_CALL), 0);
    CU_ASSERT_EQUAL(count(IR_UNOP), 0);
}

static void test_dead_across_branch(void)
{
    begin();
    TesseraLabel l = tessera_ir_label_new(b);
    TesseraVal t = tessera_ir_temp(b), u = tessera_ir_temp(b);
    tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, t, G(0), C(1));
    tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, u, G(0), C(2));
    tessera_ir_brcond(b, TESSERA_EQ, TESSERA_I64, G(1), C(0), l);
    tessera_ir_goto(b, 0x2000);
    tessera_ir_label_set(b, l);
    tessera_ir_mov(b, TESSERA_I64, G(2), t); /* t used on one path only */
    end_and_optimize();
    CU_ASSERT_EQUAL(count(IR_BINOP), 1);
    CU_ASSERT_EQUAL(op(0)->v[0], t);
}

static void test_algebra(void)
{
    begin();
    tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, G(1), G(0), C(0));
    tessera_ir_binop(b, TESSERA_ADD, TESSERA_I32, G(2), G(0), C(0));
    tessera_ir_binop(b, TESSERA_AND, TESSERA_I64, G(3), G(0), C(0));
    tessera_ir_binop(b, TESSERA_MUL, TESSERA_I64, G(4), C(1), G(0));
    tessera_ir_binop(b, TESSERA_SHL, TESSERA_I32, G(5), G(0), C(32));
    tessera_ir_binop(b, TESSERA_XOR, TESSERA_I64, G(6), G(0), G(0));
    tessera_ir_binop(b, TESSERA_OR, TESSERA_I64, G(7), C(8), G(0));
    tessera_ir_binop(b, TESSERA_SUB, TESSERA_I64, G(8), C(8), G(0));
    end_and_optimize();
    CU_ASSERT_EQUAL(op(0)->opc, IR_MOV);
    CU_ASSERT_EQUAL(op(0)->width, TESSERA_I64);
    CU_ASSERT_EQUAL(op(0)->v[1], G(0));
    CU_ASSERT_EQUAL(op(1)->opc, IR_MOV); /* still truncates */
    CU_ASSERT_EQUAL(op(1)->width, TESSERA_I32);
    CU_ASSERT_TRUE(is_const_val(op(2)->v[1], 0));
    CU_ASSERT_EQUAL(op(3)->opc, IR_MOV);
    CU_ASSERT_EQUAL(op(3)->v[1], G(0));
    CU_ASSERT_EQUAL(op(4)->opc, IR_MOV); /* shift by 32 at I32 is by 0 */
    CU_ASSERT_EQUAL(op(4)->width, TESSERA_I32);
    CU_ASSERT_TRUE(is_const_val(op(5)->v[1], 0));
    /* Commutative: constant moved second; subtraction left alone. */
    CU_ASSERT_EQUAL(op(6)->opc, IR_BINOP);
    CU_ASSERT_EQUAL(op(6)->v[1], G(0));
    CU_ASSERT_TRUE(is_const_val(op(6)->v[2], 8));
    CU_ASSERT_TRUE(is_const_val(op(7)->v[1], 8));
}

static void test_compare_canonical(void)
{
    begin();
    TesseraLabel l = tessera_ir_label_new(b);
    tessera_ir_setcond(b, TESSERA_LT, TESSERA_I64, G(1), C(5), G(0));
    tessera_ir_brcond(b, TESSERA_GEU, TESSERA_I64, C(5), G(0), l);
    tessera_ir_goto(b, 0x2000);
    tessera_ir_label_set(b, l);
    end_and_optimize();
    /* 5 < x  ==  x > 5;  5 >=u x  ==  x <=u 5 */
    CU_ASSERT_EQUAL(op(0)->sub, TESSERA_GT);
    CU_ASSERT_EQUAL(op(0)->v[1], G(0));
    CU_ASSERT_TRUE(is_const_val(op(0)->v[2], 5));
    CU_ASSERT_EQUAL(op(1)->sub, TESSERA_LEU);
    CU_ASSERT_EQUAL(op(1)->v[1], G(0));
}

static void test_select_fold(void)
{
    begin();
    TesseraVal t = tessera_ir_temp(b);
    tessera_ir_mov(b, TESSERA_I64, t, C(2));
    tessera_ir_select(b, TESSERA_EQ, TESSERA_I64, G(1), t, C(2), G(2), G(3));
    tessera_ir_select(b, TESSERA_EQ, TESSERA_I32, G(4), G(0), C(1), G(5),
                      G(5));
    end_and_optimize();
    CU_ASSERT_EQUAL(op(0)->opc, IR_MOV);
    CU_ASSERT_EQUAL(op(0)->v[1], G(2));
    CU_ASSERT_EQUAL(op(1)->opc, IR_MOV);
    CU_ASSERT_EQUAL(op(1)->width, TESSERA_I32);
    CU_ASSERT_EQUAL(op(1)->v[1], G(5));
}

static void test_sext_fusion(void)
{
    begin();
    TesseraVal t = tessera_ir_temp(b), u = tessera_ir_temp(b);
    tessera_ir_binop(b, TESSERA_ADD, TESSERA_I32, G(1), G(1), G(2));
    tessera_ir_unop(b, TESSERA_EXT32S, TESSERA_I64, G(1), G(1));
    tessera_ir_binop(b, TESSERA_MUL, TESSERA_I32, t, G(1), G(2));
    tessera_ir_unop(b, TESSERA_EXT32S, TESSERA_I64, G(3), t);
    tessera_ir_mov(b, TESSERA_I32, G(4), G(5));
    tessera_ir_unop(b, TESSERA_EXT32S, TESSERA_I64, G(4), G(4));
    /* u is read again: its 32-bit value must stay. */
    tessera_ir_binop(b, TESSERA_SUB, TESSERA_I32, u, G(1), G(2));
    tessera_ir_unop(b, TESSERA_EXT32S, TESSERA_I64, G(6), u);
    tessera_ir_mov(b, TESSERA_I64, G(7), u);
    end_and_optimize();
    CU_ASSERT_EQUAL(op(0)->opc, IR_BINOP);
    CU_ASSERT_EQUAL(op(0)->width, IR_W32S);
    CU_ASSERT_EQUAL(op(1)->opc, IR_BINOP);
    CU_ASSERT_EQUAL(op(1)->width, IR_W32S);
    CU_ASSERT_EQUAL(op(1)->v[0], G(3));
    CU_ASSERT_EQUAL(op(2)->opc, IR_UNOP);
    CU_ASSERT_EQUAL(op(2)->sub, TESSERA_EXT32S);
    CU_ASSERT_EQUAL(op(2)->v[0], G(4));
    CU_ASSERT_EQUAL(op(2)->v[1], G(5));
    CU_ASSERT_EQUAL(op(3)->width, TESSERA_I32);
    CU_ASSERT_EQUAL(op(4)->opc, IR_UNOP);
    CU_ASSERT_EQUAL(count(IR_UNOP), 2);
}

static void test_global_constants(void)
{
    begin();
    /* auipc + addi: one constant, and the first write is dead. */
    tessera_ir_mov(b, TESSERA_I64, G(1), C(0x80000000));
    tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, G(1), G(1), C(0x10));
    tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, G(2), G(1), C(1));
    end_and_optimize();
    CU_ASSERT_EQUAL(count(IR_BINOP), 0);
    CU_ASSERT_EQUAL(op(0)->v[0], G(1));
    CU_ASSERT_TRUE(is_const_val(op(0)->v[1], 0x80000010));
    CU_ASSERT_EQUAL(op(1)->v[0], G(2));
    CU_ASSERT_TRUE(is_const_val(op(1)->v[1], 0x80000011));
    CU_ASSERT_EQUAL(op(2)->opc, IR_GOTO);
}

static void test_global_barriers(void)
{
    begin();
    /* A memory access may fault: the state before it must be exact, and
     * a device behind it may change env. */
    tessera_ir_mov(b, TESSERA_I64, G(1), C(5));
    tessera_ir_load(b, G(3), G(4), 0, TESSERA_MO_32, 0);
    tessera_ir_mov(b, TESSERA_I64, G(1), C(6));
    tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, G(2), G(1), C(1));
    tessera_ir_mov(b, TESSERA_I64, G(5), C(1));
    tessera_ir_call(b, dummy_helper, 0, TESSERA_IR_NONE, 0, NULL);
    tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, G(6), G(5), C(1));
    end_and_optimize();
    CU_ASSERT_EQUAL(op(0)->opc, IR_MOV); /* kept: before the load */
    CU_ASSERT_EQUAL(op(1)->opc, IR_LOAD);
    CU_ASSERT_EQUAL(op(2)->opc, IR_MOV);
    CU_ASSERT_TRUE(is_const_val(op(3)->v[1], 7)); /* after the load: known */
    CU_ASSERT_EQUAL(op(4)->opc, IR_MOV);           /* the helper reads it */
    CU_ASSERT_EQUAL(op(5)->opc, IR_CALL);
    CU_ASSERT_EQUAL(op(6)->opc, IR_BINOP);         /* the helper may write */
    CU_ASSERT_EQUAL(op(6)->v[1], G(5));
}

/* The op that writes dst, NULL if none. */
static IROp *writer_of(TesseraVal dst)
{
    for (unsigned i = 0; i < b->nops; i++)
        if (b->ops[i].opc != IR_INSN_START && b->ops[i].opc != IR_GOTO &&
            b->ops[i].v[0] == dst)
            return &b->ops[i];
    return NULL;
}

static void test_narrow_globals(void)
{
    begin();
    TesseraVal b0 = tessera_ir_global_sized(b, 64, TESSERA_MO_8);
    TesseraVal b1 = tessera_ir_global_sized(b, 65, TESSERA_MO_8);
    TesseraVal b0s =
        tessera_ir_global_sized(b, 64, TESSERA_MO_8 | TESSERA_MO_SIGN);
    TesseraVal h = tessera_ir_global_sized(b, 64, TESSERA_MO_16);
    tessera_ir_mov(b, TESSERA_I64, b0, C(1)); /* dead: h covers it */
    tessera_ir_mov(b, TESSERA_I64, b1, C(2)); /* dead */
    tessera_ir_mov(b, TESSERA_I64, h, C(0x10304));
    tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, G(1), h, C(1));
    tessera_ir_mov(b, TESSERA_I64, b0s, C(0xff)); /* h stays: byte 65 */
    tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, G(2), b0s, C(1));
    tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, G(3), b0, C(1));
    end_and_optimize();
    /* Constants are known per view, as the view reads them back. */
    CU_ASSERT_PTR_NOT_NULL_FATAL(writer_of(G(1)));
    CU_ASSERT_EQUAL(writer_of(G(1))->opc, IR_MOV);
    CU_ASSERT_TRUE(is_const_val(writer_of(G(1))->v[1], 0x305));
    CU_ASSERT_PTR_NOT_NULL_FATAL(writer_of(G(2)));
    CU_ASSERT_TRUE(is_const_val(writer_of(G(2))->v[1], 0));
    /* Another view of the same byte: read from env, or folded right. */
    IROp *g3 = writer_of(G(3));
    CU_ASSERT_PTR_NOT_NULL_FATAL(g3);
    CU_ASSERT_TRUE((g3->opc == IR_BINOP && g3->v[1] == b0) ||
                   (g3->opc == IR_MOV && is_const_val(g3->v[1], 0x100)));
    CU_ASSERT_PTR_NULL(writer_of(b0));
    CU_ASSERT_PTR_NULL(writer_of(b1));
    CU_ASSERT_PTR_NOT_NULL(writer_of(h));
    CU_ASSERT_PTR_NOT_NULL(writer_of(b0s));
}

static void test_goto_dyn_const(void)
{
    begin();
    TesseraVal t = tessera_ir_temp(b);
    tessera_ir_binop(b, TESSERA_AND, TESSERA_I64, t, C(0x2001), C(~1ull));
    tessera_ir_goto_dyn(b, t);
    CU_ASSERT_TRUE(ir_validate(b));
    ir_optimize(b);
    CU_ASSERT_EQUAL(op(0)->opc, IR_GOTO);
    CU_ASSERT_EQUAL(op(0)->imm, 0x2000);
}

static void test_eval_rules(void)
{
    /* The reference rules that the optimiser and backends share. */
    CU_ASSERT_EQUAL(ir_eval_binop(TESSERA_DIV, TESSERA_I64, 5, 0),
                    UINT64_MAX);
    CU_ASSERT_EQUAL(ir_eval_binop(TESSERA_DIV, TESSERA_I32, 5, 0),
                    0xffffffff);
    CU_ASSERT_EQUAL(ir_eval_binop(TESSERA_REMU, TESSERA_I32, 0x100000005ull,
                                  0), 5);
    CU_ASSERT_EQUAL(ir_eval_binop(TESSERA_SAR, TESSERA_I32, 0x80000000, 33),
                    0xc0000000);
    CU_ASSERT_EQUAL(ir_eval_unop(TESSERA_EXT16S, TESSERA_I32, 0xffff),
                    0xffffffff);
    CU_ASSERT_TRUE(ir_eval_cond(TESSERA_LT, TESSERA_I32, 0x80000000, 0));
    CU_ASSERT_FALSE(ir_eval_cond(TESSERA_LT, TESSERA_I64, 0x80000000, 0));
    CU_ASSERT_TRUE(ir_eval_cond(TESSERA_GTU, TESSERA_I32, 0x1, 0x100000000ull));
}

int main(void)
{
    static const UnitTest tests[] = {
        {"constant folding", test_fold_constants},
        {"folding through temps and widths", test_fold_chain_and_widths},
        {"copy propagation", test_copy_propagation},
        {"copies die when the global changes", test_copy_killed_by_global_write},
        {"copies die across helpers", test_copy_killed_by_helper},
        {"knowledge reset at labels", test_knowledge_reset_at_label},
        {"branch folding", test_branch_folding},
        {"dead code", test_dead_code},
        {"liveness across branches", test_dead_across_branch},
        {"algebraic identities", test_algebra},
        {"constants second in comparisons", test_compare_canonical},
        {"select folding", test_select_fold},
        {"sign-extension fusion", test_sext_fusion},
        {"constants in globals, dead global writes", test_global_constants},
        {"global knowledge stops at barriers", test_global_barriers},
        {"narrow globals: per-view constants, dead writes", test_narrow_globals},
        {"goto_dyn to a constant", test_goto_dyn_const},
        {"evaluation rules", test_eval_rules},
    };
    return UNIT_RUN("ir-opt", tests);
}
