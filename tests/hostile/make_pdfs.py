"""PDF files of the hostile battery (see make_files.py): encryption, scans, bombs, fan-out, size."""

from __future__ import annotations

import io
from pathlib import Path

from . import raw
from .make_files import builder, text_pdf, write


def _encrypted(data: bytes, user: str, owner: str, **allow: bool) -> bytes:
    import pikepdf

    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdf.save(out, encryption=pikepdf.Encryption(user=user, owner=owner, R=6,
                                                    allow=pikepdf.Permissions(**allow)))
    return out.getvalue()


@builder("pdf-user-password")
def _user_password(target: Path) -> Path:
    data = _encrypted(text_pdf("Programa: Plan Cifrado"), user="abrete", owner="dueño")
    return write(target, "user-password.pdf", data)


@builder("pdf-owner-restricted")
def _owner_only(target: Path) -> Path:
    """Opens without a password; only printing and copying are 'forbidden' (read normally)."""
    data = _encrypted(text_pdf("Programa: Permisos Restringidos"), user="", owner="dueño",
                      extract=False, print_highres=False, print_lowres=False)
    return write(target, "owner-restricted.pdf", data)


def _image_page(width: int, height: int, image: bytes, image_size: tuple[int, int]) -> bytes:
    w, h = image_size
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
               raw.stream(image, b"/Type /XObject /Subtype /Image /Width %d /Height %d "
                                 b"/ColorSpace /DeviceGray /BitsPerComponent 8 " % (w, h)),
               raw.stream(b"q %d 0 0 %d 0 0 cm /Im Do Q" % (width, height)),
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /XObject << /Im 3 0 R >> >>"
               b" /Contents 4 0 R >>" % (width, height)]
    return raw.pdf_bytes(objects)


@builder("pdf-image-only")
def _image_only(target: Path) -> Path:
    """A 'scan' with no text layer: a grey speckled image (OCR finds no words in it)."""
    speckles = bytes(255 if (x * 7 + y * 13) % 97 else 200 for y in range(64) for x in range(64))
    return write(target, "scan-without-text.pdf", _image_page(612, 792, speckles, (64, 64)))


@builder("pdf-huge-page")
def _huge_page(target: Path) -> Path:
    """A 5 m x 5 m image-only page: rendering it for OCR at 300 dpi would need 3.6 GB."""
    return write(target, "five-metre-page.pdf", _image_page(14400, 14400, b"\x80" * 16, (4, 4)))


@builder("pdf-2000-pages")
def _many_pages(target: Path) -> Path:
    """2,000 pages sharing one content stream: 200 KiB on disk."""
    content = raw.stream(raw.text_content("Página", ["Texto de relleno."]))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", raw.FONT, content]
    kids = []
    for _ in range(2000):
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox %s /Resources << /Font << /F1 3 0 R >> >>"
                       b" /Contents 4 0 R >>" % raw.PAGE_SIZE)
        kids.append(len(objects))
    objects[1] = raw.pages_tree(kids)
    return write(target, "two-thousand-pages.pdf", raw.pdf_bytes(objects))


@builder("pdf-flate-bomb")
def _flate_bomb(target: Path) -> Path:
    """A page whose content stream inflates to 1 GiB of spaces from about 1 MiB."""
    bomb = raw.deflate_repeated(b" ", 1024)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>", raw.FONT,
               raw.stream(bomb.zlib_stream(), b"/Filter /FlateDecode "),
               b"<< /Type /Page /Parent 2 0 R /MediaBox %s /Resources << /Font << /F1 3 0 R >> >>"
               b" /Contents 4 0 R >>" % raw.PAGE_SIZE]
    return write(target, "flate-bomb.pdf", raw.pdf_bytes(objects))


def _forms_pdf(forms: list[tuple[bytes, bytes]], page_content: bytes) -> bytes:
    """A one-page PDF whose Form XObjects are objects 4.. (content, resources dict body)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", raw.FONT]
    for content, resources in forms:
        objects.append(raw.stream(content, b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << "
                                  + resources + b" >> "))
    objects.append(raw.stream(page_content))
    objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox %s /Resources << /XObject << /X 4 0 R >> "
                   b"/Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (raw.PAGE_SIZE, len(objects)))
    objects[1] = raw.pages_tree([len(objects)])
    return raw.pdf_bytes(objects)


@builder("pdf-xobject-fanout")
def _fanout(target: Path) -> Path:
    """Ten forms, each drawing the next ten times: the page makes 10^10 draws from 2 KiB."""
    forms = [(b"/X Do " * 10, b"/XObject << /X %d 0 R >>" % (5 + n)) for n in range(9)]
    forms.append((b"BT /F1 12 Tf 72 72 Td (x) Tj ET", b"/Font << /F1 3 0 R >>"))
    return write(target, "xobject-fanout.pdf", _forms_pdf(forms, b"/X Do " * 10))


@builder("pdf-xobject-cycle")
def _cycle(target: Path) -> Path:
    """Two forms that draw each other: an endless recursion for a naive interpreter."""
    forms = [(b"/Y Do", b"/XObject << /Y 5 0 R >>"), (b"/Z Do", b"/XObject << /Z 4 0 R >>")]
    return write(target, "xobject-cycle.pdf", _forms_pdf(forms, b"/X Do"))


@builder("pdf-bad-metadata")
def _bad_metadata(target: Path) -> Path:
    """A readable reply whose /Title holds a NUL, a lone surrogate and a C1 control (UTF-16BE)."""
    title = b"<FEFF0054004900540000D8000085004C0045>"  # "TIT", NUL, lone U+D800, U+0085, "LE"
    info = b"<< /Title " + title + b" /Author (Ministerio\\000 del Interior) >>"
    data = raw.text_pdf([("Programa: Metadatos Sucios", ["Objetivo: probar la limpieza."])], info=info)
    return write(target, "bad-metadata.pdf", data)
