/* SPDX-License-Identifier: MIT */
/* The guest's exit code must become the emulator's exit status. */
#include "rt.h"

int main(void)
{
    puts("exitcode: leaving with 42");
    return 42;
}
