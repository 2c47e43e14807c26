"""File names and containers of the hostile battery (see make_files.py): e-mail and zip archives whose
member names try to escape, symlinks, overlapping entries, nesting and encryption."""

from __future__ import annotations

import base64
import functools
import io
import stat
import zipfile
from pathlib import Path

from . import raw
from .make_files import builder, reply_docx, write

# -- file names ------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _peru_reply() -> bytes:
    """Built once, so the copy below has the very same bytes (python-docx stamps the time in the zip)."""
    return reply_docx("Convivencia Ciudadana")


@builder("name-spaces-accents")
def _accents(target: Path) -> Path:
    return write(target, "respuesta de Perú – acentuación ñ.docx", _peru_reply())


@builder("name-decomposed")
def _nfd(target: Path) -> Path:
    """A name in NFD, as macOS writes it; displayed in NFC."""
    return write(target, "informe-acentuacio\u0301n.docx", reply_docx("Prevención del Delito"))


@builder("name-not-utf8")
def _latin1(target: Path) -> Path:
    """A name in Latin-1 with a stray 0xFF: not UTF-8, kept for display with replacement characters."""
    return write(target, b"r\xe9ponse-du-S\xe9n\xe9gal-\xff.docx", reply_docx("Police de Proximit\u00e9"))


@builder("name-control-chars")
def _controls(target: Path) -> Path:
    return write(target, "línea\tcon\x1bescape\x7f.docx", reply_docx("Nombre Raro"))


@builder("name-leading-dash")
def _dash(target: Path) -> Path:
    """Looks like an option to any tool that would be given the name on its command line."""
    return write(target, "--help -rf.docx", reply_docx("Guion Inicial"))


@builder("name-not-utf8-zip")
def _latin1_zip(target: Path) -> Path:
    """A container whose own name is not UTF-8 (its member is a valid reply)."""
    data = raw.raw_zip([raw.entry("reply.docx", reply_docx("Zona Libre"))])
    return write(target, b"archivo-de-M\xe9xico.zip", data)


@builder("name-duplicate")
def _duplicate(target: Path) -> Path:
    """The same bytes as the accented reply, under another name (sorted after it)."""
    return write(target, "zz-copy-of-the-peru-reply.docx", _peru_reply())


# -- e-mail --------------------------------------------------------------------------------------------


def _mime_attachment(boundary: str, filename_header: str, data: bytes) -> str:
    return (f"--{boundary}\r\nContent-Type: application/vnd.openxmlformats-officedocument."
            f"wordprocessingml.document\r\nContent-Disposition: attachment; {filename_header}\r\n"
            f"Content-Transfer-Encoding: base64\r\n\r\n{base64.encodebytes(data).decode()}\r\n")


@builder("mail-traversal")
def _traversal(target: Path) -> Path:
    """Attachments named ../../evil.docx, RFC 2047 and RFC 2231 encoded traversals and an absolute path."""
    encoded = "=?utf-8?b?" + base64.b64encode(b"../../../evil-2047.docx").decode() + "?="
    names = ['filename="../../evil.docx"', f'filename="{encoded}"',
             "filename*=utf-8''..%2F..%2Fevil-2231.docx", 'filename="/etc/cron.d/evil-absolute.docx"']
    parts = "".join(_mime_attachment("b1", header, reply_docx(f"Adjunto Travieso {n}"))
                    for n, header in enumerate(names))
    message = ("From: Mission <mision@example.org>\r\nTo: dps@example.org\r\nSubject: Respuesta\r\n"
               "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
               "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nAdjunto la respuesta.\r\n"
               f"{parts}--b1--\r\n")
    return write(target, "attachment-traversal.eml", message.encode("utf-8"))


@builder("mail-multipart-deep")
def _deep(target: Path) -> Path:
    """multipart/mixed nested 5,000 deep around one text part (270 KiB)."""
    depth = 5000
    head = "From: a@example.org\r\nSubject: profundo\r\nMIME-Version: 1.0\r\n"
    opening = "".join(f'Content-Type: multipart/mixed; boundary="b{n}"\r\n\r\n--b{n}\r\n'
                      for n in range(depth))
    closing = "".join(f"\r\n--b{n}--\r\n" for n in reversed(range(depth)))
    body = "Content-Type: text/plain\r\n\r\nhola"
    return write(target, "multipart-5000-deep.eml", (head + opening + body + closing).encode("ascii"))


# -- zip -----------------------------------------------------------------------------------------------


@builder("zip-escaping")
def _escaping(target: Path) -> Path:
    """Members named to escape the extraction root, and a symlink member pointing at /etc/passwd."""
    names = ["../../escape.docx", "/tmp/absolute.docx", "a/../../../up.docx", "C:\\Windows\\evil.docx",
             "nul\x00byte.docx"]
    entries = [raw.entry(name, reply_docx(f"Escapista {n}")) for n, name in enumerate(names)]
    entries.append(raw.entry("link.docx", b"/etc/passwd", method=0, create_system=3,
                             external_attr=(stat.S_IFLNK | 0o777) << 16))
    return write(target, "escaping-members.zip", raw.raw_zip(entries))


@builder("zip-quoted-overlap")
def _overlap(target: Path) -> Path:
    """250 members quoting each other's headers over one 64 MiB kernel: 16 GiB from 70 KiB."""
    return write(target, "quoted-overlap.zip", raw.quoted_overlap_zip(250, raw.deflate_repeated(b" ", 64)))


@builder("zip-bomb-member")
def _zip_bomb(target: Path) -> Path:
    bomb = raw.deflate_repeated(b"\0", 1024)
    entries = [raw.entry("reply.docx", reply_docx("Antes de la Bomba")),
               raw.ZipEntry(b"huge.docx", bomb.raw, bomb.size, bomb.crc32)]
    return write(target, "bomb-member.zip", raw.raw_zip(entries))


@builder("zip-nested-20")
def _nested(target: Path) -> Path:
    data, name = reply_docx("Muñeca Rusa"), "reply.docx"
    for level in range(20):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(name, data)
        data, name = buf.getvalue(), f"level-{level}.zip"
    return write(target, "nested-20-deep.zip", data)


@builder("zip-encrypted-member")
def _encrypted_member(target: Path) -> Path:
    entries = [raw.entry("reply.docx", reply_docx("Miembro Claro")),
               raw.entry("locked.docx", b"\x8f" * 300, method=0, flags=0x1)]
    return write(target, "encrypted-member.zip", raw.raw_zip(entries))


@builder("zip-many-members")
def _many(target: Path) -> Path:
    entries = [raw.entry(f"file-{n:04d}.docx", b"x", method=0) for n in range(1500)]
    return write(target, "fifteen-hundred-members.zip", raw.raw_zip(entries))
