#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes a minimal RISC-V ELF64 with one loadable segment, for tests that
need an image at a given address or with a given .bss size:

    mkelf.py OUT PADDR MEMSZ [HEXBYTES]

The segment holds HEXBYTES (default: "j ." at PADDR), then zeros up to
MEMSZ (numbers may be 0x hex)."""
import struct
import sys


def main():
    out, paddr, memsz = sys.argv[1], int(sys.argv[2], 0), int(sys.argv[3], 0)
    code = bytes.fromhex(sys.argv[4]) if len(sys.argv) > 4 else \
        struct.pack("<I", 0x0000006F)
    ehsize, phsize = 64, 56
    ident = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    ehdr = ident + struct.pack("<HHIQQQIHHHHHH", 2, 243, 1, paddr, ehsize, 0,
                               0, ehsize, phsize, 1, 0, 0, 0)
    off = ehsize + phsize
    phdr = struct.pack("<IIQQQQQQ", 1, 5, off, paddr, paddr, len(code),
                       max(memsz, len(code)), 4)
    with open(out, "wb") as f:
        f.write(ehdr + phdr + code)


main()
