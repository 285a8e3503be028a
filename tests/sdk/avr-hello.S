/* SPDX-License-Identifier: MIT */
/* ATmega168/328P/1280/2560 (USART0 is at the same addresses on each):
 * prints "avr ok" on USART0, then sleeps with interrupts off, which ends
 * the run (exit 0) once the USART is idle. */
#define UCSR0A 0xc0
#define UCSR0B 0xc1
#define UDR0   0xc6
#define SMCR   0x33 /* I/O address */
#define SPL    0x3d
#define SPH    0x3e

    .text
    .global _start
_start:
    ldi     r16, 0x04               /* SP = 0x04ff: RAM on every board */
    out     SPH, r16
    ldi     r16, 0xff
    out     SPL, r16
    ldi     r16, 1 << 3             /* TXEN0 */
    sts     UCSR0B, r16
    ldi     r30, lo8(msg)
    ldi     r31, hi8(msg)
1:  lpm     r16, Z+
    tst     r16
    breq    2f
    rcall   putc
    rjmp    1b
2:  ldi     r16, 1                  /* SMCR.SE, idle mode */
    out     SMCR, r16
    cli
3:  sleep
    rjmp    3b

putc:
    lds     r17, UCSR0A
    sbrs    r17, 5                  /* UDRE0 */
    rjmp    putc
    sts     UDR0, r16
    ret

msg:
    .asciz  "avr ok\n"
