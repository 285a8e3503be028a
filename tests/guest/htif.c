/* SPDX-License-Identifier: MIT */
/* HTIF on spike: console output and exit through tohost/fromhost. */
#include "rt.h"

extern volatile uint64_t tohost, fromhost;

/* The host clears tohost once it has taken a command. */
static int host_idle(void)
{
    for (long i = 0; i < 1000000; i++) {
        if (tohost == 0)
            return 1;
    }
    return 0;
}

int main(void)
{
    puts("htif: console through tohost");
    CHECK(host_idle());
    for (int i = 0; i < 3; i++) {
        putstr("line ");
        putd(i);
        putch('\n');
    }
    for (int i = 0; i < 6; i++)
        putstr("htif-htif-htif-htif-");
    putch('\n');
    CHECK(host_idle());
    return check_done("htif");
}
