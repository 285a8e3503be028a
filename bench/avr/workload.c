/* SPDX-License-Identifier: MIT */
/*
 * CPU-bound AVR workload for bench/avr/run.sh: CRC-32 over a buffer, a
 * sieve and 32-bit multiply-accumulate, repeated. Timer1 at clk/1 counts
 * the cycles (its overflows are counted in an interrupt), so the number of
 * simulated cycles is known exactly; the host time is measured outside.
 */
#include <avr/interrupt.h>
#include <avr/io.h>
#include <stdint.h>
#include <stdio.h>

static volatile uint16_t ovf;
ISR(TIMER1_OVF_vect) { ovf++; }

static int put(char c, FILE *f)
{
    (void)f;
    while (!(UCSR0A & (1 << UDRE0)))
        ;
    UDR0 = c;
    return 0;
}
static FILE out = FDEV_SETUP_STREAM(put, NULL, _FDEV_SETUP_WRITE);

static uint8_t buf[256];
static uint8_t sieve[512];

int main(void)
{
    UCSR0B = 1 << TXEN0;
    stdout = &out;
    TCCR1B = 1;
    TIMSK1 = 1 << TOIE1;
    sei();
    uint32_t crc = 0xffffffff, acc = 1;
    uint16_t primes = 0;
    for (uint16_t round = 0; round < ROUNDS; round++) {
        for (uint16_t i = 0; i < sizeof(buf); i++)
            buf[i] = (uint8_t)(i * 7 + round);
        for (uint16_t i = 0; i < sizeof(buf); i++) {
            crc ^= buf[i];
            for (uint8_t k = 0; k < 8; k++)
                crc = (crc >> 1) ^ (0xedb88320ul & -(crc & 1));
        }
        for (uint16_t i = 0; i < sizeof(sieve); i++)
            sieve[i] = 1;
        primes = 0;
        for (uint16_t i = 2; i < sizeof(sieve); i++) {
            if (!sieve[i])
                continue;
            primes++;
            for (uint16_t j = i * 2; j < sizeof(sieve); j += i)
                sieve[j] = 0;
        }
        for (uint16_t i = 0; i < 200; i++)
            acc = acc * 1103515245ul + 12345ul + i;
    }
    cli();
    uint32_t cycles = ((uint32_t)ovf << 16) | TCNT1;
    if (TIFR1 & (1 << TOV1))
        cycles += 0x10000ul;
    printf("crc=%08lx primes=%u acc=%08lx\n", (unsigned long)crc, primes,
           (unsigned long)acc);
    printf("cycles=%lu\n", (unsigned long)cycles);
    printf("done\n");
    for (;;)
        ;
}
