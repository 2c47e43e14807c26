"""Build the hostile-input battery into a directory, one function per file of ``manifest.toml``.

Every file is generated here, in memory and in a few seconds all told: nothing is downloaded and no
binary is committed. ``build(target)`` writes them all and returns ``{manifest id: path}``; the
external-entity files point at ``SECRET_FILE`` in the same directory, whose ``SECRET`` must never
reach the catalog, the index or any output.

    python -m tests.hostile.make_files /tmp/battery    # to look at the files by hand
"""

from __future__ import annotations

import io
import os
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

from . import raw

SECRET = "XXE-SECRET-7f3a9c1e-never-ingest-me"
SECRET_FILE = "secret-target.txt"
BUILDERS: dict[str, Callable[[Path], Path]] = {}
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def builder(file_id: str) -> Callable[[Callable[[Path], Path]], Callable[[Path], Path]]:
    def register(fn: Callable[[Path], Path]) -> Callable[[Path], Path]:
        BUILDERS[file_id] = fn
        return fn
    return register


def build(target: Path, ids: list[str] | None = None) -> dict[str, Path]:
    """Write the battery (or the files ``ids``) into ``target``; returns the path of each file."""
    target.mkdir(parents=True, exist_ok=True)
    (target.parent / SECRET_FILE).write_text(SECRET + "\n", encoding="utf-8")
    return {i: BUILDERS[i](target) for i in (ids or list(BUILDERS))}


def secret_path(target: Path) -> Path:
    """The file the external entities point at: beside the battery, so it is never ingested itself."""
    return target.parent / SECRET_FILE


# -- helpers -------------------------------------------------------------------------------------------


def reply_docx(title: str, body: str = "Objetivo del programa y resultados obtenidos.") -> bytes:
    """A small valid reply: one named program heading and a paragraph (python-docx)."""
    import docx

    document = docx.Document()
    document.add_heading(f"Programa: {title}", level=1)
    document.add_paragraph(body)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def replace_parts(package: bytes, parts: dict[str, bytes | None]) -> bytes:
    """The package with some parts replaced (``None`` removes the part)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename not in parts:
                dst.writestr(info.filename, src.read(info))
        for name, data in parts.items():
            if data is not None:
                dst.writestr(name, data)
    return out.getvalue()


def document_xml(body: str, prolog: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{prolog}'
            f'<w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>').encode()


def paragraph(text: str) -> str:
    return f'<w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def write(target: Path, name: str | bytes, data: bytes) -> Path:
    path = Path(os.fsdecode(os.path.join(os.fsencode(target), os.fsencode(name))))
    path.write_bytes(data)
    return path


def text_pdf(title: str, lines: list[str] | None = None, pages: int = 1) -> bytes:
    lines = lines or ["Objetivo del programa: reducir la violencia.", "Resultados: positivos."]
    return raw.text_pdf([(title if n == 0 else f"{title} ({n + 1})", lines) for n in range(pages)])


# -- empty, truncated, lying -----------------------------------------------------------------------------


@builder("zero-bytes-docx")
def _zero_docx(target: Path) -> Path:
    return write(target, "zero-bytes.docx", b"")


@builder("zero-bytes-pdf")
def _zero_pdf(target: Path) -> Path:
    return write(target, "zero-bytes.pdf", b"")


@builder("truncated-pdf")
def _truncated_pdf(target: Path) -> Path:
    data = text_pdf("Plan Truncado", pages=3)
    return write(target, "truncated.pdf", data[: int(len(data) * 0.55)])


@builder("broken-xref-pdf")
def _broken_xref(target: Path) -> Path:
    data = text_pdf("Programa Referencias Rotas", pages=2)
    head, _, tail = data.rpartition(b"\nxref\n")
    table, _, trailer = tail.partition(b"trailer\n")
    lines = table.split(b"\n")
    broken = [lines[0], lines[1]] + [b"%010d 00000 n " % (7 + n * 13) for n in range(len(lines) - 3)] + [b""]
    return write(target, "broken-xref.pdf", head + b"\nxref\n" + b"\n".join(broken) + b"trailer\n" + trailer)


@builder("garbage-docx")
def _garbage(target: Path) -> Path:
    return write(target, "random-bytes.docx", bytes((n * 7919 + 13) % 251 for n in range(4096)))


@builder("truncated-docx")
def _truncated_docx(target: Path) -> Path:
    data = reply_docx("Programa Cortado")
    return write(target, "truncated.docx", data[: len(data) // 2])


@builder("docx-named-pdf")
def _docx_named_pdf(target: Path) -> Path:
    return write(target, "lying-extension-docx.pdf", reply_docx("Barrio Seguro Disfrazado"))


@builder("pdf-named-docx")
def _pdf_named_docx(target: Path) -> Path:
    return write(target, "lying-extension-pdf.docx", text_pdf("Programa: Policía Comunitaria Disfrazada"))


@builder("html-as-docx")
def _html_as_docx(target: Path) -> Path:
    html = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Respuesta</title></head>"
            "<body><h1>Programa: Barrio en Paz</h1><p>Texto.</p></body></html>")
    return write(target, "saved-from-browser.docx", html.encode("utf-8"))


# -- DOCX structure ------------------------------------------------------------------------------------


@builder("docx-no-document-xml")
def _no_main_part(target: Path) -> Path:
    data = replace_parts(reply_docx("Sin Parte Principal"), {"word/document.xml": None})
    return write(target, "missing-document-xml.docx", data)


@builder("docx-malformed-xml")
def _malformed(target: Path) -> Path:
    data = replace_parts(reply_docx("XML Roto"), {"word/document.xml": b"<?xml version='1.0'?><w:document"})
    return write(target, "malformed-xml.docx", data)


@builder("docx-zip-bomb")
def _docx_bomb(target: Path) -> Path:
    """word/document.xml declared (honestly) as 1 GiB of spaces, about 1 MiB compressed."""
    bomb = raw.deflate_repeated(b" ", 1024)
    with zipfile.ZipFile(io.BytesIO(reply_docx("Bomba"))) as src:
        entries = [raw.entry(i.filename, src.read(i)) for i in src.infolist()
                   if i.filename != "word/document.xml"]
    entries.append(raw.ZipEntry(b"word/document.xml", bomb.raw, bomb.size, bomb.crc32))
    return write(target, "zip-bomb.docx", raw.raw_zip(entries))


@builder("docx-many-parts")
def _many_parts(target: Path) -> Path:
    """20,000 tiny members: each costs python-docx an object, the archive stays under 3 MiB."""
    with zipfile.ZipFile(io.BytesIO(reply_docx("Muchas Partes"))) as src:
        entries = [raw.entry(i.filename, src.read(i)) for i in src.infolist()]
    entries += [raw.entry(f"customXml/item{n}.bin", b"x", method=0) for n in range(20_000)]
    return write(target, "twenty-thousand-parts.docx", raw.raw_zip(entries))


_LAUGHS = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
BILLION_LAUGHS = f'<!DOCTYPE lolz [<!ENTITY lol0 "lol">{_LAUGHS}]>'


@builder("docx-billion-laughs")
def _billion_laughs(target: Path) -> Path:
    xml = document_xml(paragraph("Programa: Risas &lol9;"), prolog=BILLION_LAUGHS)
    data = replace_parts(reply_docx("Risas"), {"word/document.xml": xml})
    return write(target, "billion-laughs.docx", data)


@builder("docx-billion-laughs-padded")
def _padded(target: Path) -> Path:
    """The DOCTYPE hides behind 64 KiB of comments, past any fixed-size peek at the part's start."""
    prolog = "<!--" + "relleno " * 8192 + "-->\n" + BILLION_LAUGHS
    xml = document_xml(paragraph("Programa: Risas &lol9;"), prolog=prolog)
    data = replace_parts(reply_docx("Risas Ocultas"), {"word/document.xml": xml})
    return write(target, "billion-laughs-padded.docx", data)


@builder("docx-doctype-utf16")
def _utf16(target: Path) -> Path:
    """The billion laughs in a UTF-16 part, where a byte search for ``<!DOCTYPE`` finds nothing."""
    xml = document_xml(paragraph("Programa: Risas &lol9;"), prolog=BILLION_LAUGHS).decode("utf-8")
    encoded = "\ufeff" + xml.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    data = replace_parts(reply_docx("Risas UTF16"), {"word/document.xml": encoded.encode("utf-16-le")})
    return write(target, "billion-laughs-utf16.docx", data)


def xxe_prolog(target: Path) -> str:
    return f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "{secret_path(target).as_uri()}">]>'


@builder("docx-external-entity")
def _xxe(target: Path) -> Path:
    body = paragraph("Programa: Entidad Externa") + paragraph("Dato: &xxe;")
    xml = document_xml(body, prolog=xxe_prolog(target))
    data = replace_parts(reply_docx("Entidad"), {"word/document.xml": xml})
    return write(target, "external-entity.docx", data)


@builder("docx-external-entity-core")
def _xxe_core(target: Path) -> Path:
    """The external entity in the core properties (the title), which python-docx also parses."""
    core = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{xxe_prolog(target)}'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
            ' xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>&xxe;</dc:title></cp:coreProperties>')
    data = replace_parts(reply_docx("Entidad en Propiedades"), {"docProps/core.xml": core.encode("utf-8")})
    return write(target, "external-entity-core-props.docx", data)


def encrypted_office(seed: int) -> bytes:
    """The shape Word writes for a password-protected .docx: an OLE file with an EncryptedPackage stream."""
    info = b"\x04\x00\x04\x00\x40\x00\x00\x00" + b"<?xml version='1.0'?><encryption/>".ljust(4088, b" ")
    package = bytes((n * 31 + seed) % 256 for n in range(12_000))
    return raw.ole_file({"EncryptionInfo": info, "EncryptedPackage": package})


@builder("docx-encrypted")
def _encrypted(target: Path) -> Path:
    return write(target, "password-protected.docx", encrypted_office(7))


@builder("docx-encrypted-msoffcrypto")
def _encrypted_real(target: Path) -> Path:
    """A real agile-encrypted .docx when msoffcrypto-tool is installed, else the hand-built one."""
    try:
        from msoffcrypto.format.ooxml import OOXMLFile
    except ImportError:
        data = encrypted_office(11)
    else:
        out = io.BytesIO()
        OOXMLFile(io.BytesIO(reply_docx("Cifrado"))).encrypt("secreto", out)
        data = out.getvalue()
    return write(target, "password-protected-real.docx", data)


@builder("docx-thousands-of-tables")
def _tables(target: Path) -> Path:
    table = "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>celda {n}</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
    body = "".join(table.format(n=n) for n in range(3000)) + paragraph("fin")
    data = replace_parts(reply_docx("Tablas"), {"word/document.xml": document_xml(body)})
    return write(target, "three-thousand-tables.docx", data)


@builder("docx-deep-nested-tables")
def _nested_tables(target: Path) -> Path:
    """Tables nested 120 deep (360 XML levels): past libxml2's default depth limit of 256."""
    inner = paragraph("fondo")
    for _ in range(120):
        inner = f"<w:tbl><w:tr><w:tc>{inner}<w:p/></w:tc></w:tr></w:tbl>"
    xml = document_xml(inner + paragraph("fin"))
    data = replace_parts(reply_docx("Anidadas"), {"word/document.xml": xml})
    return write(target, "deeply-nested-tables.docx", data)


@builder("docx-control-characters")
def _controls(target: Path) -> Path:
    """Decomposed accents (NFD), C1 controls and DEL, all legal XML 1.0: stored as clean NFC."""
    text = "Seguridad Ciudadana\u0301 Ri\u0301o\u0085\u0080\u007f"
    body = paragraph("Programa: Convivencia en Bogota\u0301") + paragraph(f"Objetivo: {text} fin.")
    data = replace_parts(reply_docx("Control"), {"word/document.xml": document_xml(body)})
    return write(target, "control-characters.docx", data)


from . import make_containers, make_pdfs  # noqa: E402,F401  (their builders register themselves)

if __name__ == "__main__":  # pragma: no cover
    built = build(Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-battery"))
    for key, path in built.items():
        print(f"{key:32} {path}")
