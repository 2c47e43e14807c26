"""Byte-level builders for the hostile battery: a minimal PDF writer, raw zip entries, deflate bombs
and an OLE compound file. Everything is made in memory in well under a second; nothing is downloaded.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

# -- PDF ---------------------------------------------------------------------------------------------


def pdf_string(text: str) -> bytes:
    """A PDF literal string in WinAnsi (cp1252), parentheses and backslashes escaped."""
    raw = text.encode("cp1252", "replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def stream(data: bytes, extra: bytes = b"") -> bytes:
    """A stream object body; ``extra`` goes into its dictionary (e.g. ``/Filter /FlateDecode``)."""
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def pdf_bytes(objects: list[bytes], info: int | None = None) -> bytes:
    """Objects numbered 1..n (object 1 is the catalog), with a correct xref table and trailer."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    trailer = b"<< /Size %d /Root 1 0 R" % (len(objects) + 1)
    trailer += (b" /Info %d 0 R" % info if info else b"") + b" >>"
    out += b"trailer\n" + trailer + b"\nstartxref\n" + str(xref).encode() + b"\n%%EOF\n"
    return bytes(out)


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
PAGE_SIZE = b"[0 0 612 792]"


def text_content(title: str, lines: list[str]) -> bytes:
    """A page showing ``title`` at 16 pt (a heading for the reader) and ``lines`` at 11 pt."""
    body = b" ".join(pdf_string(line) + b" Tj T*" for line in lines)
    return (b"BT /F1 16 Tf 72 720 Td " + pdf_string(title) + b" Tj ET\n"
            b"BT /F1 11 Tf 72 690 Td 14 TL " + body + b" ET")


def text_pdf(pages: list[tuple[str, list[str]]], info: bytes | None = None) -> bytes:
    """A PDF with one page per (title, lines), Helvetica, optional /Info dictionary body."""
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", FONT]
    kids = []
    for title, lines in pages:
        objects.append(stream(text_content(title, lines)))
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox %s /Resources << /Font << /F1 3 0 R >> >>"
                       b" /Contents %d 0 R >>" % (PAGE_SIZE, len(objects)))
        kids.append(len(objects))
    objects[1] = pages_tree(kids)
    info_number = None
    if info is not None:
        objects.append(info)
        info_number = len(objects)
    return pdf_bytes(objects, info=info_number)


def pages_tree(kids: list[int]) -> bytes:
    refs = b" ".join(b"%d 0 R" % k for k in kids)
    return b"<< /Type /Pages /Kids [" + refs + b"] /Count %d >>" % len(kids)


# -- deflate bombs -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Deflated:
    """A raw deflate stream of ``size`` copies of one byte, with the checksums zip and zlib need."""

    raw: bytes
    size: int
    crc32: int
    adler32: int

    def zlib_stream(self) -> bytes:
        return b"\x78\xda" + self.raw + struct.pack(">I", self.adler32)


def deflate_repeated(byte: bytes, mebibytes: int) -> Deflated:
    """``mebibytes`` MiB of ``byte``, compressed once per MiB and repeated (full flush resets state).

    1 GiB costs about 1 MiB of output and a few milliseconds: the checksums are computed in closed
    form (Adler-32) and by doubling (CRC-32), not over the gigabyte.
    """
    chunk = byte * (1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    size = mebibytes << 20
    value = byte[0]
    adler_a = (1 + size * value) % 65521
    adler_b = (size + value * size * (size + 1) // 2) % 65521
    return Deflated(block * mebibytes + b"\x03\x00", size, crc32_repeated(chunk, mebibytes),
                    (adler_b << 16) | adler_a)


def crc32_repeated(chunk: bytes, times: int) -> int:
    """CRC-32 of ``chunk * times`` by doubling with crc32_combine."""
    result, result_len = 0, 0
    power, power_len = zlib.crc32(chunk), len(chunk)
    while times:
        if times & 1:
            result = crc32_combine(result, power, power_len) if result_len else power
            result_len += power_len
        power = crc32_combine(power, power, power_len)
        power_len *= 2
        times >>= 1
    return result


# -- zip -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ZipEntry:
    """One member as it is written: already-compressed ``data`` (method 8) or stored (method 0)."""

    name: bytes
    data: bytes
    size: int
    crc: int
    method: int = 8
    flags: int = 0
    external_attr: int = 0
    create_system: int = 0


def entry(name: str | bytes, content: bytes, *, method: int = 8, **kw: int) -> ZipEntry:
    """An honest entry for ``content``."""
    raw = name.encode("utf-8") if isinstance(name, str) else name
    data = content
    if method == 8:
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        data = c.compress(content) + c.flush()
    return ZipEntry(raw, data, len(content), zlib.crc32(content), method, **kw)


def raw_zip(entries: list[ZipEntry], central: list[tuple[ZipEntry, int]] | None = None) -> bytes:
    """A zip file from ``entries``; ``central`` overrides the central directory (entry, local offset)."""
    out = bytearray()
    offsets = []
    for e in entries:
        offsets.append(len(out))
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, e.flags, e.method, 0, 0x21, e.crc,
                           len(e.data), e.size, len(e.name), 0) + e.name + e.data
    directory = central if central is not None else list(zip(entries, offsets, strict=True))
    start = len(out)
    for e, offset in directory:
        out += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (e.create_system << 8) | 20, 20, e.flags,
                           e.method, 0, 0x21, e.crc, len(e.data), e.size, len(e.name), 0, 0, 0, 0,
                           e.external_attr, offset) + e.name
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(directory), len(directory), len(out) - start,
                       start, 0)
    return bytes(out)


# -- OLE compound file (an encrypted Office document's container) --------------------------------------

_FREE, _END, _FAT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def _dir_entry(name: str, kind: int, child: int, left: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return struct.pack("<64sHBBIII16sIQQIQ", encoded, len(encoded), kind, 1, left, _FREE, child,
                       b"\0" * 16, 0, 0, 0, start, size)


def ole_file(streams: dict[str, bytes]) -> bytes:
    """A version-3 compound file holding two streams of at least 4,096 bytes (no mini stream).

    Laid out as: sector 0 the FAT, sector 1 the directory, then each stream's sectors in turn.
    The directory tree: the root's child is the second stream, whose left sibling is the first.
    """
    (name1, data1), (name2, data2) = streams.items()
    assert len(data1) >= 4096 and len(data2) >= 4096, "streams below 4096 bytes would need a mini stream"
    sectors1, sectors2 = -(-len(data1) // 512), -(-len(data2) // 512)
    fat = [_FAT, _END]
    start1 = len(fat)
    fat += [start1 + i + 1 for i in range(sectors1 - 1)] + [_END]
    start2 = len(fat)
    fat += [start2 + i + 1 for i in range(sectors2 - 1)] + [_END]
    assert len(fat) <= 128, "one FAT sector is enough for this writer"
    fat_sector = struct.pack("<128I", *(fat + [_FREE] * (128 - len(fat))))
    directory = (_dir_entry("Root Entry", 5, 2, _FREE, _END, 0)
                 + _dir_entry(name1, 2, _FREE, _FREE, start1, len(data1))
                 + _dir_entry(name2, 2, _FREE, 1, start2, len(data2))
                 + _dir_entry("", 0, _FREE, _FREE, 0, 0))
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\0" * 16, 0x3E, 3,
                         0xFFFE, 9, 6, b"\0" * 6, 0, 1, 1, 0, 4096, _END, 0, _END, 0)
    header += struct.pack("<109I", 0, *([_FREE] * 108))

    def padded(data: bytes) -> bytes:
        return data + b"\0" * (-len(data) % 512)

    return header + fat_sector + directory + padded(data1) + padded(data2)


def _gf2_times(matrix: list[int], vector: int) -> int:
    total, n = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[n]
        vector >>= 1
        n += 1
    return total


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, matrix[n]) for n in range(32)]


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """The CRC-32 of A+B from crc(A), crc(B) and len(B): zlib's crc32_combine, which Python lacks."""
    if len2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]
    even = _gf2_square(odd)
    odd = _gf2_square(even)
    while True:
        even = _gf2_square(odd)
        if len2 & 1:
            crc1 = _gf2_times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = _gf2_square(even)
        if len2 & 1:
            crc1 = _gf2_times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


def _local_header(name: bytes, crc: int, csize: int, size: int) -> bytes:
    return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, csize, size, len(name), 0) + name


def quoted_overlap_zip(count: int, kernel: Deflated) -> bytes:
    """David Fifield's "better zip bomb": every member's data quotes the local headers of the members
    after it (stored deflate blocks) and ends in one shared kernel, so ``count`` members each inflate
    to the kernel's size and more from one copy of it."""
    names = [b"reply-%04d.docx" % n for n in range(count)]
    headers: list[bytes] = [b""] * count
    sizes, csizes, crcs = [0] * count, [0] * count, [0] * count
    tail_plain_crc, tail_plain_len, tail_compressed = kernel.crc32, kernel.size, len(kernel.raw)
    for n in reversed(range(count)):
        sizes[n], csizes[n], crcs[n] = tail_plain_len, tail_compressed, tail_plain_crc
        headers[n] = _local_header(names[n], crcs[n], csizes[n], sizes[n])
        # the previous member's data: a stored block quoting this header, then this member's data
        tail_plain_crc = crc32_combine(zlib.crc32(headers[n]), tail_plain_crc, tail_plain_len)
        tail_plain_len += len(headers[n])
        tail_compressed += 5 + len(headers[n])
    out, offsets = bytearray(), []
    for n in range(count):
        offsets.append(len(out))
        out += headers[n]
        if n + 1 < count:
            quoted = len(headers[n + 1])
            out += struct.pack("<BHH", 0, quoted, quoted ^ 0xFFFF)
    out += kernel.raw
    start = len(out)
    for n in range(count):
        out += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crcs[n], csizes[n],
                           sizes[n], len(names[n]), 0, 0, 0, 0, 0, offsets[n]) + names[n]
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(out) - start, start, 0)
    return bytes(out)
