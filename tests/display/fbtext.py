# SPDX-License-Identifier: MIT
"""Images for the display tests: PPM (P6), PNG (8-bit RGB, as screendump
writes it) and XWD (xwd's 24/32-bit TrueColor dumps) readers, and a reader
of the text on a Linux framebuffer console: each 8x16 cell is matched
against the VGA 8x16 font, read at run time from the Linux source that
built the test kernel (lib/fonts/font_8x16.c), not copied here.

An image is (width, height, pixels) with pixels a list of rows of
0xRRGGBB ints.
"""
import os
import re
import struct
import zlib


class ImageError(Exception):
    pass


def _rows(width, height, data, bpp, pix):
    return [[pix(data, (y * width + x) * bpp) for x in range(width)]
            for y in range(height)]


def read_ppm(path):
    with open(path, "rb") as f:
        data = f.read()
    m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", data)
    if not m:
        raise ImageError("%s: not a P6 PPM with maxval 255" % path)
    w, h = int(m.group(1)), int(m.group(2))
    body = data[m.end():]
    if len(body) != w * h * 3:
        raise ImageError("%s: %d bytes of pixels, expected %d"
                         % (path, len(body), w * h * 3))
    return w, h, _rows(w, h, body, 3,
                       lambda d, i: d[i] << 16 | d[i + 1] << 8 | d[i + 2])


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def read_png(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ImageError("%s: not a PNG" % path)
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + n]
        if zlib.crc32(kind + chunk) != struct.unpack(
                ">I", data[pos + 8 + n:pos + 12 + n])[0]:
            raise ImageError("%s: bad CRC in %r" % (path, kind))
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + n
    if not ihdr or ihdr[2:] != (8, 2, 0, 0, 0):
        raise ImageError("%s: expected 8-bit RGB, not interlaced" % path)
    w, h = ihdr[0], ihdr[1]
    raw, line, out, prev = zlib.decompress(idat), w * 3, bytearray(), None
    for y in range(h):
        ft, cur = raw[y * (line + 1)], bytearray(
            raw[y * (line + 1) + 1:(y + 1) * (line + 1)])
        up = prev or bytearray(line)
        for i in range(line):
            a = cur[i - 3] if i >= 3 else 0
            c = up[i - 3] if i >= 3 else 0
            pred = (0, a, up[i], (a + up[i]) // 2, _paeth(a, up[i], c))[ft]
            cur[i] = (cur[i] + pred) & 255
        out += cur
        prev = cur
    return w, h, _rows(w, h, out, 3,
                       lambda d, i: d[i] << 16 | d[i + 1] << 8 | d[i + 2])


def read_xwd(path):
    """A ZPixmap dump of 24-bit TrueColor in 32-bit pixels (Xvfb's)."""
    with open(path, "rb") as f:
        data = f.read()
    hdr = struct.unpack(">25I", data[:100])
    (hsize, version, fmt, depth, w, h, _xoff, order, _unit, _bo, _pad,
     bpp, bpl, _cls, rmask, gmask, bmask, _bits, _cmap, ncolors) = hdr[:20]
    if version != 7 or fmt != 2 or bpp != 32 or (rmask, gmask, bmask) != (
            0xff0000, 0xff00, 0xff):
        raise ImageError("%s: expected a 32-bit TrueColor ZPixmap XWD "
                         "(version %d format %d bpp %d)"
                         % (path, version, fmt, bpp))
    read_xwd.origin = hdr[22], hdr[23]  # the window's place on the screen
    body = data[hsize + ncolors * 12:]
    end = "<" if order == 0 else ">"
    rows = []
    for y in range(h):
        vals = struct.unpack_from("%s%dI" % (end, w), body, y * bpl)
        rows.append([v & 0xffffff for v in vals])
    return w, h, rows


def read_image(path):
    with open(path, "rb") as f:
        magic = f.read(8)
    if magic.startswith(b"P6"):
        return read_ppm(path)
    if magic.startswith(b"\x89PNG"):
        return read_png(path)
    return read_xwd(path)


def linux_font(src_dir):
    """{16 row bytes: character} for the printable ASCII of the VGA 8x16
    font in the Linux source at src_dir."""
    path = os.path.join(src_dir, "lib", "fonts", "font_8x16.c")
    with open(path) as f:
        text = re.sub(r"/\*.*?\*/", "", f.read(), flags=re.S)
    body = text[text.index("FONTDATAMAX, 0 }"):]
    data = [int(x, 16) for x in re.findall(r"0x([0-9a-fA-F]{2})\b", body)]
    if len(data) < 4096:
        raise ImageError("%s: %d font bytes, expected 4096" % (path,
                                                                len(data)))
    return {bytes(data[c * 16:c * 16 + 16]): chr(c) for c in range(32, 127)}


def screen_text(image, font):
    """The text lines on a console in 8x16 cells; '?' for a cell that is
    no printable ASCII glyph. The background is the commonest colour."""
    w, h, rows = image
    counts = {}
    for r in rows[::7]:
        for p in r[::7]:
            counts[p] = counts.get(p, 0) + 1
    bg = max(counts, key=counts.get)
    lines = []
    for cy in range(h // 16):
        line = []
        for cx in range(w // 8):
            cell = bytes(
                sum(0x80 >> i for i in range(8)
                    if rows[cy * 16 + j][cx * 8 + i] != bg)
                for j in range(16))
            line.append(font.get(cell, "?"))
        lines.append("".join(line).rstrip())
    return lines
