/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the GDB remote protocol parser (kernel/gdbproto.c). Any
 * byte stream goes through the framer; every complete packet is decoded.
 * Nothing may read or write outside its buffers (ASan watches), and what
 * a decoded command claims must fit in what was received.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/gdbproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static GdbFramer framer;
static GdbCmd cmd;
static uint8_t buf[GDB_MAX_PACKET + 1];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gdb_framer_init(&framer);
    for (size_t i = 0; i < size; i++) {
        GdbEvent ev = gdb_framer_byte(&framer, data[i]);
        if (ev != GDB_EV_PACKET)
            continue;
        if (framer.len > GDB_MAX_PACKET || framer.buf[framer.len])
            abort();
        gdb_parse_cmd(framer.buf, framer.len, &cmd, buf);
        /* Decoded bytes never outnumber the packet's. */
        if (cmd.data_len > framer.len || cmd.data_len > GDB_MAX_PACKET)
            abort();
        if (cmd.data && cmd.data != buf)
            abort();
        if (cmd.text && strlen(cmd.text) > GDB_MAX_PACKET)
            abort();
        if (cmd.nvcont > GDB_MAX_VCONT)
            abort();
        if (cmd.type == GDB_CMD_WRITE_MEM && cmd.data_len != cmd.len)
            abort();
    }
    return 0;
}
