"""Checks on a PDF with qpdf (pikepdf) before pdfplumber reads it (untrusted input, issue #9).

pdfplumber re-raises whatever pdfminer hits as one exception type, and pdfminer inflates every
stream whole and interprets Form XObjects recursively, so the outcome of a hostile PDF must be
decided here, by our own checks, before it is parsed:

* a user password: ``needs_password``; owner-only restrictions are read normally and recorded
  (``encrypted``, ``permissions`` in the document's metadata);
* a file qpdf has to reconstruct (broken cross-reference table, truncated) is rewritten by qpdf
  into a temporary copy, which is what gets read, and is marked ``repaired``;
* limits: pages per document, page area, bytes one content stream inflates to (bounded inflation,
  so a Flate bomb costs at most the limit), content bytes per document, and per page the characters
  shown and the draws made once Form XObjects are expanded (memoized, so a fan-out to 10^10 draws
  is counted, not performed); a Form that draws itself is refused.

Each refusal is a ``TooLarge``/``TooComplex``/``CorruptDocument``/``EncryptedDocument`` with a
one-line reason. The only module importing pikepdf.
"""

from __future__ import annotations

import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CorruptDocument, EncryptedDocument, TooComplex, TooLarge

_A0_POINTS2 = 2384.0 * 3370.0
_SHOW_OPERATORS = ("Tj", "TJ", "'", '"')
_DENIED = {"extract": "no copying", "print_highres": "no printing", "modify_other": "no changes"}


@dataclass(frozen=True, slots=True)
class PdfLimits:
    """What a PDF may cost before it is refused."""

    max_pages: int = 1000
    max_page_area: float = 4 * _A0_POINTS2  # in points^2: four A0 sheets
    max_stream_bytes: int = 64 * 2**20  # one content stream or Form, inflated
    max_content_bytes: int = 256 * 2**20  # every content stream and Form of the document, inflated
    max_page_chars: int = 200_000  # character codes shown on one page, Forms expanded
    max_page_draws: int = 100_000  # XObjects drawn on one page, Forms expanded

    def __post_init__(self) -> None:
        if min(self.max_pages, self.max_stream_bytes, self.max_content_bytes, self.max_page_chars,
               self.max_page_draws) < 1 or self.max_page_area <= 0:
            raise ValueError("PDF limits must be positive")


DEFAULT_LIMITS = PdfLimits()


@dataclass(frozen=True, slots=True)
class _Cost:
    chars: int = 0
    draws: int = 0


@dataclass(slots=True)
class _Walk:
    """Memoized costs of the content streams and Forms seen so far."""

    limits: PdfLimits
    costs: dict[tuple[int, int], _Cost] = field(default_factory=dict)
    active: set[tuple[int, int]] = field(default_factory=set)
    content_bytes: int = 0


@contextmanager
def checked_pdf(path: Path, limits: PdfLimits = DEFAULT_LIMITS) -> Iterator[tuple[Path, dict[str, str]]]:
    """Check ``path``; yield the file to read (a repaired copy when qpdf reconstructed it) and the
    metadata marks (``repaired``, ``encrypted``, ``permissions``). Raises for a refused file."""
    import pikepdf

    try:
        pdf = pikepdf.open(path)
    except pikepdf.PasswordError as exc:
        raise EncryptedDocument("password protected PDF (it needs a password to open)") from exc
    except pikepdf.PdfError as exc:
        raise CorruptDocument(f"damaged PDF that qpdf cannot repair ({_short(exc, path)})") from exc
    with pdf:
        try:
            _check_structure(pdf, limits)
        except (pikepdf.PdfError, RecursionError, ValueError, TypeError, AttributeError) as exc:
            raise CorruptDocument(f"damaged PDF ({type(exc).__name__}: {_short(exc, path)})") from exc
        marks = _encryption_marks(pdf)
        warnings = [_short(w, path) for w in pdf.get_warnings()]
        if not warnings:
            yield path, marks
            return
        with tempfile.TemporaryDirectory(prefix="mispa-pdf-") as tmp:
            repaired = Path(tmp) / "repaired.pdf"
            pdf.save(repaired)
            yield repaired, {**marks, "repaired": f"qpdf: {'; '.join(warnings[:3])}"[:300]}


def _short(message: object, path: Path) -> str:
    return str(message).replace(f"{path}: ", "").replace(str(path), "the file").strip()[:200]


def _encryption_marks(pdf: Any) -> dict[str, str]:
    if not pdf.is_encrypted:
        return {}
    denied = [text for name, text in _DENIED.items() if not getattr(pdf.allow, name, True)]
    marks = {"encrypted": "owner password (opens without one)"}
    if denied:
        marks["permissions"] = ", ".join(denied)
    return marks


def _check_structure(pdf: Any, limits: PdfLimits) -> None:
    pages = pdf.pages
    if len(pages) > limits.max_pages:
        raise TooLarge(f"{len(pages):,} pages, over the limit of {limits.max_pages:,}")
    walk = _Walk(limits)
    for number, page in enumerate(pages, start=1):
        _check_area(page, number, limits)
        cost = _page_cost(page, walk)
        if cost.draws > limits.max_page_draws:
            raise TooComplex(f"page {number}: its XObjects fan out to {cost.draws:,} draws, "
                             f"over the limit of {limits.max_page_draws:,}")
        if cost.chars > limits.max_page_chars:
            raise TooComplex(f"page {number} shows {cost.chars:,} characters, "
                             f"over the limit of {limits.max_page_chars:,}")


def _check_area(page: Any, number: int, limits: PdfLimits) -> None:
    try:
        box = [float(v) for v in page.mediabox]
        unit = float(page.obj.get("/UserUnit", 1.0))
    except (ValueError, TypeError, IndexError):
        return  # no usable MediaBox: pdfminer falls back to a default page
    width, height = abs(box[2] - box[0]) * unit, abs(box[3] - box[1]) * unit
    if width * height > limits.max_page_area:
        raise TooLarge(f"page {number} measures {width / 72 * 2.54:,.0f} x {height / 72 * 2.54:,.0f} cm, "
                       f"over the limit of four A0 sheets")


def _page_cost(page: Any, walk: _Walk) -> _Cost:
    import pikepdf

    contents = page.obj.get("/Contents")
    streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
    resources = page.obj.get("/Resources")
    total = _Cost()
    for stream in streams:
        if isinstance(stream, pikepdf.Stream):
            cost = _stream_cost(stream, resources, walk)
            total = _Cost(total.chars + cost.chars, total.draws + cost.draws)
    return total


def _stream_cost(stream: Any, resources: Any, walk: _Walk) -> _Cost:
    """Characters shown and XObjects drawn by one content stream or Form, Forms expanded (memoized)."""
    import pikepdf

    key = stream.objgen
    if key in walk.costs:
        return walk.costs[key]
    if key in walk.active:
        raise TooComplex("a Form XObject draws itself (a cycle)")
    walk.active.add(key)
    _check_inflated_size(stream, walk)
    own = stream.get("/Resources")
    scope = own if own is not None else resources
    chars, draws = 0, 0
    for instruction in pikepdf.parse_content_stream(stream, " ".join((*_SHOW_OPERATORS, "Do"))):
        operands = list(instruction.operands)
        if str(instruction.operator) == "Do":
            draws += 1 + _xobject_cost(operands, scope, walk)
        else:
            chars += _shown_chars(operands)
    walk.active.discard(key)
    walk.costs[key] = cost = _Cost(chars, draws)
    return cost


def _xobject_cost(operands: list[Any], scope: Any, walk: _Walk) -> int:
    """The draws a ``Do`` adds beyond itself: those of the Form it names, else none."""
    import pikepdf

    xobjects = scope.get("/XObject") if isinstance(scope, pikepdf.Dictionary) else None
    if not operands or not isinstance(xobjects, pikepdf.Dictionary):
        return 0
    target = xobjects.get(str(operands[0]))
    if not isinstance(target, pikepdf.Stream) or target.get("/Subtype") != pikepdf.Name.Form:
        return 0
    return _stream_cost(target, scope, walk).draws


def _shown_chars(operands: list[Any]) -> int:
    import pikepdf

    total = 0
    for operand in operands:
        if isinstance(operand, pikepdf.String):
            total += len(bytes(operand))
        elif isinstance(operand, pikepdf.Array):
            total += sum(len(bytes(item)) for item in operand if isinstance(item, pikepdf.String))
    return total


def _check_inflated_size(stream: Any, walk: _Walk) -> None:
    """Inflate Flate streams with a bound (a bomb stops at the limit); let qpdf decode other filters."""
    limit = walk.limits.max_stream_bytes
    size = _inflated_size(stream, limit)
    if size > limit:
        raise TooLarge(f"a content stream inflates past {limit // 2**20} MiB (a compression bomb?)")
    walk.content_bytes += size
    if walk.content_bytes > walk.limits.max_content_bytes:
        raise TooLarge(f"page contents inflate past {walk.limits.max_content_bytes // 2**20} MiB in all")


def _inflated_size(stream: Any, limit: int) -> int:
    import pikepdf

    filters = stream.get("/Filter")
    listed = list(filters) if isinstance(filters, pikepdf.Array) else [filters] if filters is not None else []
    names = [str(f) for f in listed]
    if not names or any(n not in ("/FlateDecode", "/Fl") for n in names) or stream.get("/DecodeParms"):
        return len(stream.read_bytes())
    data = stream.read_raw_bytes()
    for _ in names:
        data = _bounded_inflate(data, limit)
        if len(data) > limit:
            break
    return len(data)


def _bounded_inflate(data: bytes, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of the inflated data (a damaged tail is ignored, as pdfminer does)."""
    inflater = zlib.decompressobj()
    out = bytearray()
    try:
        out += inflater.decompress(data, limit + 1)
        while inflater.unconsumed_tail and len(out) <= limit:
            out += inflater.decompress(inflater.unconsumed_tail, limit + 1 - len(out))
    except zlib.error:
        pass
    return bytes(out[: limit + 1])
