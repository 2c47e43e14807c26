"""A scanned page's image made ready for OCR: straightened, and its table rules found and erased.

A photocopied page is often turned by a degree or so. Its skew is the angle at which the page's
rows of ink line up best: each candidate angle shears the ink's row numbers, and the one whose
row profile varies most wins. The page is turned back by it before anything else.

A ruling line is a stretch where ink is dense along a row (or, for a vertical rule, a column) for
at least half an inch (MIN_VERTICAL for a vertical one); a rule from a scan is thin, grey and
broken in places, a line of text is far less dense. Only rules that make up a table are kept:
vertical ones that start and end on horizontal ones, and horizontal ones that start and end on
those. They are returned as edges in PDF points (pdfplumber's edge shape, ``orientation`` "h" or
"v"), for the PDF reader to build the table's cells from, and their pixels are whitened, so that
Tesseract neither reads a rule as "|" or "_" nor joins the two columns of a table into one line.

numpy and Pillow are imported here only, when a scan is read.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

MAX_SKEW = 3.0  # degrees searched either way
MIN_SKEW = 0.05  # a smaller angle is left alone
MIN_HORIZONTAL = 0.5  # inches
MIN_VERTICAL = 0.2  # inches: a table of one row of one line is about a quarter of an inch high
_THICK = 3  # pixels either side of a rule's darkest row that are erased with it (a rule is 2-5 thick)
_WINDOW = 31  # pixels
_FILL = 0.6  # share of a window's pixels that are ink along a rule
_GAP = 12  # pixels: the widest gap in a scanned rule
_GAP_ACROSS = 4  # pixels: the same, for a vertical rule
_CHUNK = 256  # rows read at a time
_INK = 128  # grey level below which a pixel is ink
_RULE_INK = 200  # the same for rules: a thin one rendered from a 200 dpi scan is grey
_MEETS = 3.0  # points: how near a rule's end must come to another rule to meet it
_REACHES = 1.5  # points: how near a vertical rule's end must come to the middle of a horizontal one
_OVERSHOOTS = 6.0  # points: how far past the rule it ends on a rule may go


def prepare(image_path: Path, dpi: int) -> list[dict[str, Any]]:
    """Straighten the page image in place, erase its rules, and return them as edges in points."""
    import numpy as np
    from PIL import Image

    with Image.open(image_path) as opened:
        image = opened.convert("L")
    angle = skew(np.asarray(image) < _INK)
    if abs(angle) >= MIN_SKEW:
        image = image.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=255, expand=False)
    pixels = np.asarray(image).copy()
    ink = pixels < _RULE_INK
    horizontal = _rules(_long_runs(ink, round(MIN_HORIZONTAL * dpi), _GAP), "h", dpi)
    # a cell's letters may sit a few pixels from the rules above and below them: a vertical
    # rule is followed over smaller gaps, or a letter's stroke would join the two
    vertical = _rules(_long_runs(ink.T, round(MIN_VERTICAL * dpi), _GAP_ACROSS), "v", dpi)
    kept = _in_tables(horizontal, vertical)
    if kept:
        rule = np.zeros_like(ink)
        for edge, runs in kept:
            across = ink if edge["orientation"] == "h" else ink.T
            lines = rule if edge["orientation"] == "h" else rule.T  # a view: marks land in `rule`
            start, end = min(r[1] for r in runs), max(r[2] for r in runs)
            peak = max({r[0] for r in runs}, key=lambda row: int(across[row, start:end].sum()))  # its middle
            lines[max(0, peak - _THICK):peak + _THICK + 1, start:end] = True
        pixels[ink & rule] = 255
    edges = [edge for edge, _ in kept]
    if edges or abs(angle) >= MIN_SKEW:
        Image.fromarray(pixels).save(image_path)
    return edges


def skew(ink: Any) -> float:
    """The angle (degrees, counter-clockwise as Pillow turns) that makes the page's lines level.

    Each candidate angle shears the ink's row numbers (no image is turned, so no angle is blurred
    more than another), and the angle whose row profile varies most wins: searched every 0.2
    degree on a quarter of the ink, then every 0.02 around the best on all of it."""
    import numpy as np

    rows, columns = np.nonzero(ink)
    if len(rows) == 0:
        return 0.0

    def sharpness(angle: float, step: int) -> float:
        sheared = np.rint(rows[::step] - columns[::step] * math.tan(math.radians(angle))).astype(np.int64)
        profile = np.bincount(sheared - sheared.min()).astype(np.float64)
        return float(np.square(np.diff(profile)).sum())

    steps = round(MAX_SKEW / 0.2)
    coarse = max((sharpness(n * 0.2, 4), -abs(n), n * 0.2) for n in range(-steps, steps + 1))[2]
    fine = max((sharpness(coarse + n * 0.02, 1), -abs(n), coarse + n * 0.02) for n in range(-10, 11))[2]
    return round(fine, 2)


def _long_runs(ink: Any, length: int, gap: int) -> list[tuple[int, int, int]]:
    """(row, start, end) of every stretch of at least ``length`` pixels along the rows of ``ink``
    where ink is dense: a scanned rule is thin and broken (a tenth of its pixels may be missing,
    in gaps of up to 8), and after straightening may still wander a row up or down, so a pixel
    counts when it or one beside it across the rule is ink, a place is dense when _FILL of the
    _WINDOW pixels around it count, and dense places less than ``gap`` apart are one stretch. A
    line of text is far less dense than a rule. Read _CHUNK rows at a time, so that the counts
    of a whole page never sit in memory at once (ingest workers have a memory cap)."""
    out = []
    for first in range(0, ink.shape[0], _CHUNK):
        above, below = max(0, first - 1), min(ink.shape[0], first + _CHUNK + 1)
        rows = _dense_stretches(ink[above:below], length, gap)
        out += [(row + above, start, end) for row, start, end in rows
                if first <= row + above < first + _CHUNK]
    return out


def _dense_stretches(ink: Any, length: int, gap: int) -> list[tuple[int, int, int]]:
    import numpy as np

    band = ink.copy()
    band[1:] |= ink[:-1]
    band[:-1] |= ink[1:]
    total = np.zeros((band.shape[0], band.shape[1] + 1), dtype=np.int32)
    np.cumsum(band, axis=1, out=total[:, 1:])
    dense = np.zeros_like(ink)
    half = _WINDOW // 2
    dense[:, half:band.shape[1] - half] = (total[:, _WINDOW:] - total[:, :-_WINDOW]) >= _FILL * _WINDOW
    for shift in range(1, gap // 2 + 1):  # close the gaps between dense places
        dense[:, shift:-shift] |= dense[:, : -2 * shift] & dense[:, 2 * shift:]
    padded = np.zeros((dense.shape[0], dense.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = dense
    change = np.diff(padded, axis=1)
    rows, starts = np.nonzero(change == 1)
    _, ends = np.nonzero(change == -1)
    long = ends - starts + 2 * half >= length
    out = []
    for row, start, end in zip(rows[long].tolist(), starts[long].tolist(), ends[long].tolist(), strict=True):
        # The ink goes on past the dense stretch (by half a window at least, or further where
        # a few gaps came close together): followed as long as no gap is wider than ``gap``.
        first, last = start - _reach(band[row, :start][::-1], gap), end + _reach(band[row, end:], gap)
        if last - first >= length and (not out or out[-1] != (row, first, last)):  # stretches may reach alike
            out.append((row, first, last))
    return out


def _reach(ink: Any, gap: int) -> int:
    """How far the pixels of ``ink`` go on from its start with no gap over ``gap``."""
    import numpy as np

    found = np.flatnonzero(ink)
    if len(found) == 0 or found[0] > gap:
        return 0
    wide = np.flatnonzero(np.diff(found) > gap + 1)
    return int(found[wide[0]] if len(wide) else found[-1]) + 1


_Run = tuple[int, int, int]  # row (a column, for vertical runs), first and last + 1 pixel
_Edge = tuple[dict[str, Any], list[_Run]]  # an edge in points, and the runs it was made of


def _rules(runs: list[_Run], orientation: str, dpi: int) -> list[_Edge]:
    """One edge per rule, in points: the runs of neighbouring rows (a band a few pixels thick)
    that overlap joined, placed on the band's middle row."""
    scale = 72.0 / dpi
    rules: list[tuple[list[int], list[_Run]]] = []  # ([first row, last row, start, end], runs)
    open_rules: list[tuple[list[int], list[_Run]]] = []  # those the current row may still continue
    for row, start, end in runs:  # by row, then start
        open_rules = [r for r in open_rules if row - r[0][1] <= 1]
        for span, members in open_rules:
            if min(end, span[3]) - max(start, span[2]) > 0.5 * min(end - start, span[3] - span[2]):
                span[1], span[2], span[3] = row, min(start, span[2]), max(end, span[3])
                members.append((row, start, end))
                break
        else:
            rules.append(([row, row, start, end], [(row, start, end)]))
            open_rules.append(rules[-1])
    rules = _joined(rules, round(_MEETS / scale))
    out: list[_Edge] = []
    for (first, last, start, end), members in rules:
        middle = (first + last + 1) / 2 * scale
        a, b = start * scale, end * scale
        if orientation == "h":
            edge = {"orientation": "h", "x0": a, "x1": b, "top": middle, "bottom": middle,
                    "width": b - a, "height": 0.0}
        else:
            edge = {"orientation": "v", "x0": middle, "x1": middle, "top": a, "bottom": b,
                    "width": 0.0, "height": b - a}
        out.append((edge, members))
    return out


def _joined(rules: list[tuple[list[int], list[_Run]]], near: int) -> list[tuple[list[int], list[_Run]]]:
    """Rules less than ``near`` pixels apart across, and overlapping or less than that apart
    along, as one, placed where the longest of them is (a thick or wavy rule leaves two bands; a
    line of bold text set against a rule, a short band beside it)."""
    out: list[tuple[list[int], list[_Run]]] = []
    for span, members in sorted(rules, key=lambda r: r[0][2] - r[0][3]):  # longest first
        for other, others in out:
            if (max(span[0], other[0]) - min(span[1], other[1]) <= near
                    and min(span[3], other[3]) - max(span[2], other[2]) > -near):
                other[2], other[3] = min(other[2], span[2]), max(other[3], span[3])
                others.extend(members)
                break
        else:
            out.append((list(span), list(members)))
    return sorted(out, key=lambda r: (r[0][0], r[0][2]))


def _in_tables(horizontal: list[_Edge], vertical: list[_Edge]) -> list[_Edge]:
    """The rules that belong to tables: a vertical rule that starts and ends on horizontal ones,
    and a horizontal rule that starts and ends on those. A letter's stroke, an underline, a rule
    drawn under a heading or the bands of ink along a line of text end on none; a letter set
    against a rule (a cell's text has no top margin) is taken for a bit of it, but its stroke stops
    short of the next rule down. A rule may run a little past the one it ends on, into a letter
    set against it on the other side."""
    def ends_on(v: dict[str, Any], h: dict[str, Any], end: str) -> bool:  # v's end on h
        # it may stop just short of h, or go on past it a little (into a letter of the row beyond)
        past = h["top"] - v[end] if end == "top" else v[end] - h["top"]
        return h["x0"] - _MEETS <= v["x0"] <= h["x1"] + _MEETS and -_REACHES <= past <= _OVERSHOOTS

    def on(h: dict[str, Any], v: dict[str, Any], end: str) -> bool:  # h's end on v
        past = v["x0"] - h[end] if end == "x0" else h[end] - v["x0"]
        return v["top"] - _REACHES <= h["top"] <= v["bottom"] + _REACHES and -_MEETS <= past <= _OVERSHOOTS

    columns = [v for v in vertical if all(any(ends_on(v[0], h[0], end) for h in horizontal) for end in ("top", "bottom"))]
    rows = [h for h in horizontal if all(any(on(h[0], v[0], end) for v in columns) for end in ("x0", "x1"))]
    columns = [v for v in columns if all(any(ends_on(v[0], h[0], end) for h in rows) for end in ("top", "bottom"))]
    return rows + columns if rows and columns else []
