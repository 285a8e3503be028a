/* SPDX-License-Identifier: MIT */
#include "rt/rt.h"
int main(void)
{
    rt_puts("hello from cortex-m\n");
    rt_print("ccr", SCB_CCR);
    return 3;
}
