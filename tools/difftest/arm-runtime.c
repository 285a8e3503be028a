/* SPDX-License-Identifier: MIT */
/*
 * Runtime of gen-arm's programs (tools/difftest): runs gen_body, then
 * prints r0-r12, APSR and the scratch area over semihosting, and exits
 * with status 0. Linked with tests/arm/rt (vectors, reset, semihosting).
 */
#include "rt/rt.h"

extern uint32_t gen_regs[16];
extern uint32_t gen_scratch[128];
void gen_body(void);

int main(void)
{
    gen_body();
    for (unsigned i = 0; i < 13; i++) {
        char name[4] = {'r', (char)('0' + i / 10), (char)('0' + i % 10), 0};
        rt_print(name, gen_regs[i]);
    }
    rt_print("apsr", gen_regs[13]);
    for (unsigned i = 0; i < 128; i += 4) {
        rt_hex(4 * i);
        for (unsigned j = 0; j < 4; j++) {
            rt_putc(' ');
            rt_hex(gen_scratch[i + j]);
        }
        rt_putc('\n');
    }
    rt_exit(0);
}
