# SPDX-License-Identifier: MIT
# The block library (raw, qcow2, luks): linked into tessera and tessera-img.
noinst_LIBRARIES += block/libblock.a
block_libblock_a_CFLAGS = $(AM_CFLAGS) -fPIC $(ZLIB_CFLAGS) $(ZSTD_CFLAGS) $(NETTLE_CFLAGS) -pthread
block_libblock_a_SOURCES = \
	block/block.h block/block-int.h \
	block/block.c block/raw.c block/qcow2.c block/nbd.c \
	block/crypto.h block/crypto.c block/luks.c block/nbd-wire.h \
	block/image-opts.c block/pool.h block/pool.c
BLOCK_LIBS = block/libblock.a $(ZLIB_LIBS) $(ZSTD_LIBS) $(NETTLE_LIBS) -lpthread

bin_PROGRAMS += tessera-img
tessera_img_SOURCES = img/tessera-img.c
tessera_img_CFLAGS = $(AM_CFLAGS) -pthread
tessera_img_LDADD = $(BLOCK_LIBS)
