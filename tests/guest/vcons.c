/* SPDX-License-Identifier: MIT */
/*
 * virtio console (virtio-serial-device + virtconsole on stdio, the UART
 * in a file; see tests/guest/virtio.test): without MULTIPORT, port 0 is
 * the console. Sends a line, reads one line of input and echoes it back
 * in upper case; the report goes to the UART.
 */
#include "rt.h"
#include "vio.h"

static struct vq rxq, txq;
static char msg[] = "hello from virtio-console\n";
static char in[64], out[80];

static void send(const char *p, uint32_t len)
{
    vq_set(txq.desc, 0, p, len, 0, 0);
    vq_kick(&txq, 0);
    CHECK_EQ(vq_wait(&txq, 0), 0);
}

int main(void)
{
    ulong base = vio_find(3, 0);
    putstr("vcons: device at ");
    putx(base);
    putstr("\n");
    CHECK(base != 0);
    if (!base)
        return check_done("vcons");
    uint64_t f = vio_start(base, 1ull << VIO_F_VERSION_1);
    CHECK(f != ~0ull);
    CHECK_EQ(vq_init(&rxq, base, 0), 0);
    CHECK_EQ(vq_init(&txq, base, 1), 0);
    vio_driver_ok(base);
    send(msg, sizeof(msg) - 1);

    /* Collect input until a newline (several buffers may come). */
    unsigned n = 0;
    while (n < sizeof(in) - 1) {
        vq_set(rxq.desc, 0, in + n, sizeof(in) - 1 - n, VQ_WRITE, 0);
        vq_kick(&rxq, 0);
        long l = vq_wait(&rxq, 0);
        if (l <= 0)
            break;
        n += (unsigned)l;
        if (in[n - 1] == '\n')
            break;
    }
    in[n] = 0;
    putstr("got ");
    putu(n);
    putstr(" bytes: ");
    putstr(in);
    unsigned k = 0;
    for (const char *p = "echo: "; *p; p++)
        out[k++] = *p;
    for (unsigned i = 0; i < n && k < sizeof(out); i++)
        out[k++] = in[i] >= 'a' && in[i] <= 'z' ? in[i] - 32 : in[i];
    send(out, k);
    return check_done("vcons");
}
