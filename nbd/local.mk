# SPDX-License-Identifier: MIT
# tessera-nbd: the NBD server (protocol in nbd-server.c, shared with the
# fuzz target) on the block library.
bin_PROGRAMS += tessera-nbd
tessera_nbd_SOURCES = nbd/tessera-nbd.c nbd/nbd-server.c nbd/nbd-server.h
tessera_nbd_CFLAGS = $(AM_CFLAGS) -pthread
tessera_nbd_LDADD = $(BLOCK_LIBS) -lpthread
