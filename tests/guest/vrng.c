/* SPDX-License-Identifier: MIT */
/* virtio-rng through the modern virtio-mmio interface: buffers of
 * several sizes come back full, different each time. */
#include "rt.h"
#include "vio.h"

static struct vq vq;
static uint8_t a[64], b[64], c[1];

static long get(void *p, uint32_t len, int indirect)
{
    uint32_t id;
    if (indirect) {
        vq_set(vq.indirect, 0, p, len, VQ_WRITE, 0);
        vq_set(vq.desc, 2, vq.indirect, 16, VQ_INDIRECT, 0);
        vq_kick(&vq, 2);
    } else {
        vq_set(vq.desc, 0, p, len, VQ_WRITE, 0);
        vq_kick(&vq, 0);
    }
    return vq_wait(&vq, &id);
}

int main(void)
{
    ulong base = vio_find(4, 0);
    putstr("vrng: device at ");
    putx(base);
    putstr("\n");
    CHECK(base != 0);
    if (!base)
        return check_done("vrng");
    uint64_t f = vio_start(base, 1ull << VIO_F_VERSION_1 |
                                     1ull << VIO_F_INDIRECT);
    CHECK(f != ~0ull);
    CHECK_EQ(vq_init(&vq, base, 0), 0);
    vio_driver_ok(base);
    long la = get(a, sizeof(a), 0), lb = get(b, sizeof(b), 1);
    long lc = get(c, sizeof(c), 0);
    putstr("lengths ");
    putd(la);
    putstr(" ");
    putd(lb);
    putstr(" ");
    putd(lc);
    putstr("\n");
    int zero_a = 1, same = 1;
    for (int i = 0; i < 64; i++) {
        zero_a &= a[i] == 0;
        same &= a[i] == b[i];
    }
    CHECK(!zero_a);
    CHECK(!same);
    puts("random bytes differ");
    return check_done("vrng");
}
