"""Split an extracted reply into plan, program, lesson and practice sections.

The blocks are turned into a stream of events -- a heading (block or named section), a labelled
field, or plain text -- which a small state machine folds into sections:

* a block heading ("b. Información sobre Programas", "Programa 2") closes the open section and
  sets the kind of the next one;
* a named heading ("Programa: Barrio en Paz", "Good practice – ...") opens a section at once;
  narrative replies have nothing else, and the whole text under the heading is kept;
* a "Member State" label, or a name label ("Nombre del programa") when the open section already
  has one, opens a new section; other labels fill fields; unlabelled text continues the last field;
* text before the first section is the cover note, kept with the document.

Tables are read row by row as label | value; a row with an empty label continues the previous
value; a one-cell row is a heading. The "Responsible Institution" value is split on its
sub-labels (name, person in charge, job title, phone, e-mail).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator

from .labels import (CONTACT_FIELDS, TITLE_FIELDS, HeadingMatch, LabelMatch, is_boilerplate, match_cell_label,
                     is_annex, kind_named_by, match_heading, match_label, names_a_field, names_comment_column,
                     unquote)
from .model import Block, ExtractedDocument, Format, Section, SectionKind, SplitResult
from .text import clean, fold, join_wrapped, squash, strip_numbering, tidy

_HEADER_FIELDS = {"member_state", "institution", "declared_pillar", *CONTACT_FIELDS}
_KIND_FIELDS = {
    SectionKind.PLAN: {"period", "threats", "strategies"},
    SectionKind.PROGRAM: {"target_population", "needs", "lines_of_action", "evaluation"},
    SectionKind.LESSON: {"problem", "causes", "actions"},
    SectionKind.PRACTICE: {"objective", "description", "transfer"},
}
# A label of one kind's field used in another kind, where a field of that kind says the same: a
# program's "Acciones adoptadas" are its lines of action, a lesson's "Líneas de acción" its actions.
_SAME_FIELD = {
    SectionKind.PROGRAM: {"actions": "lines_of_action"},
    SectionKind.LESSON: {"lines_of_action": "actions"},
}
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# OCR reads the "@" of an address as "O" or "Q": "prevencionOsesnsp.gob.mx". In an address with
# no "@", all in lower case but for that one letter, and ending in a domain, it is put back.
_AT_MISREAD = re.compile(r"^([a-z0-9._%+-]+)[OQ]([a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,6})$")


@dataclass(slots=True)
class _Event:
    kind: str  # "heading" | "field" | "text"
    page: int | None
    field: str = ""
    value: str = ""
    section_kind: SectionKind | None = None
    title: str = ""
    new_paragraph: bool = True


@dataclass(slots=True)
class _Draft:
    kind: SectionKind | None
    title: str = ""
    title_from_field: bool = False
    fields: dict[str, list[str]] = field(default_factory=dict)
    body: list[str] = field(default_factory=list)
    pages: set[int] = field(default_factory=set)

    def has_content(self) -> bool:
        return bool(self.body) or any(f not in _HEADER_FIELDS for f in self.fields)


def split_sections(doc: ExtractedDocument) -> SplitResult:
    """Return the sections of a reply and its cover text (what lies outside any section)."""
    joiner = " " if doc.format == Format.PDF else "\n"
    builder = _Builder(joiner)
    for event in _iter_events(doc.blocks):
        builder.feed(event)
    drafts = builder.finish()
    sections = tuple(_finalize(d, i) for i, d in enumerate(drafts))
    return SplitResult(sections=tuple(s for s in sections if s is not None),
                       cover_text=tidy("\n\n".join(builder.cover)))


class _Builder:
    def __init__(self, joiner: str) -> None:
        self.joiner = joiner
        self.drafts: list[_Draft] = []
        self.cover: list[str] = []
        self.current: _Draft | None = None
        self.pending: SectionKind | None = None
        self.last_field: str | None = None
        self.loose: list[str] | None = None  # the body or cover the last event's line went to
        self.plain: list[str] | None = None  # the body or cover the last event, a plain heading, went to

    def feed(self, ev: _Event) -> None:
        previous, self.loose = self.loose, None
        plain, self.plain = self.plain, None
        if ev.kind == "heading":
            self._heading(ev)
        elif ev.kind == "field":
            self._field(ev, plain)
        else:
            self._text(ev, previous)
        if self.current is not None and ev.page is not None:
            self.current.pages.add(ev.page)

    def _open(self, kind: SectionKind | None) -> _Draft:
        self.current = _Draft(kind=kind)
        self.drafts.append(self.current)
        self.last_field = None
        return self.current

    def _heading(self, ev: _Event) -> None:
        if ev.section_kind is None and is_annex(ev.value):
            cur, name = self.current, self.last_field
            if cur is not None and name and not cur.fields.get(name):  # a label's answer: "Anexo 2"
                self._text(_Event("text", ev.page, value=ev.value), None)
                return
            self.current, self.pending, self.last_field = None, None, None  # the sections are over
            self.cover.append(ev.value)
        elif ev.title:
            draft = self._open(ev.section_kind)
            draft.title, declared = _split_declared(ev.title)
            if declared:
                draft.fields["declared_pillar"] = [declared]
            self.pending = ev.section_kind
        elif ev.section_kind is not None:
            self.pending = ev.section_kind
            self.current = None
            self.last_field = None
        elif self.current is not None:
            self.current.body.append(ev.value)
            self.plain = self.current.body
        elif not self.drafts and _FIRST_PLAN.match(fold(ev.value)):
            self._open(SectionKind.PLAN).title = ev.value  # "Plan El Salvador Seguro" before any block
        else:
            self.cover.append(ev.value)
            self.plain = self.cover

    def _field(self, ev: _Event, plain: list[str] | None = None) -> None:
        """A questionnaire field; ``plain``: the body or cover a plain heading just before went to."""
        name, cur = ev.field, self.current
        if plain is not None and name not in TITLE_FIELDS and (
                cur is None or cur.fields.get(name) or (name == "member_state" and cur.has_content())):
            # "Mesas de convivencia" styled as a heading, then "Descripción: ...": the heading is the
            # title of a new section (a field the current section already has starts another one)
            cur = self._open(cur.kind if cur is not None else self.pending)
            cur.title, declared = _split_declared(plain.pop())
            if declared:
                cur.fields["declared_pillar"] = [declared]
        if name == "member_state":
            if cur is None or cur.has_content() or cur.title_from_field:
                cur = self._open(self.pending)
        elif name in TITLE_FIELDS:
            kind = TITLE_FIELDS[name]
            if cur is None or cur.title_from_field or (cur.has_content() and not cur.title):
                cur = self._open(kind)
            if cur.title and not cur.title_from_field and ev.value and squash(ev.value) != squash(cur.title):
                cur.body.append(cur.title)  # a narrative heading followed by a named form
            cur.kind, cur.title_from_field = kind, True
            cur.title = ev.value or cur.title
            self.last_field = name
            return
        elif cur is None:
            cur = self._open(self.pending)
        cur.fields.setdefault(name, [])
        if ev.value:
            cur.fields[name].append(ev.value)
        self.last_field = name

    def _text(self, ev: _Event, previous: list[str] | None) -> None:
        """A line of text; ``previous``: the body or cover the line before went to, if any."""
        cur = self.current
        if cur is None:
            self._loose(self.cover, ev, previous)
            line = self.cover[-1]
            if self.pending is not None and len(line) <= 120 and not line.endswith(_SENTENCE_ENDS):
                self.plain = self.cover  # "Programa" then "Barrio Seguro": a name, if a field follows
        elif self.last_field in TITLE_FIELDS and (not cur.title or not ev.new_paragraph):
            cur.title = join_wrapped(cur.title, ev.value) if cur.title else ev.value
        elif self.last_field and self.last_field not in TITLE_FIELDS:
            values = cur.fields.setdefault(self.last_field, [])
            if values and not ev.new_paragraph:
                values[-1] = join_wrapped(values[-1], ev.value, self.joiner)
            else:
                values.append(ev.value)
        else:
            self._loose(cur.body, ev, previous)
            self.last_field = None

    def _loose(self, paragraphs: list[str], ev: _Event, previous: list[str] | None) -> None:
        """A line of text outside any field: a PDF line wrapped inside a paragraph continues it."""
        if paragraphs and not ev.new_paragraph and previous is paragraphs:
            paragraphs[-1] = join_wrapped(paragraphs[-1], ev.value, self.joiner)
        else:
            paragraphs.append(ev.value)
        self.loose = paragraphs

    def finish(self) -> list[_Draft]:
        return [d for d in self.drafts if d.title or d.has_content()]


_FIRST_PLAN = re.compile(r"^(plan|plano|estrategia|strategie|strategy|politica|politique|policy)\b")


# A heading's trailing "(Pilar 2)", "(Pillars 3 and 4)", or "(1 - Gestión de la seguridad pública)":
# a pillar number, arabic or roman, then a dash or colon and the pillar's name; or, after a dash,
# "— Pilar 1" / "- Pillars 2 and 4 (Prevention)".
_PILLAR_WORD = r"(?:pilar|pillar|pilier|piliers|pilares|pillars)\b"
_ROMAN_PILLAR = r"(?:iv|v|i{1,3})"  # I to V
_TRAILING_PILLAR = re.compile(
    rf"\s*[(\[]\s*({_PILLAR_WORD}[^)\]]*"
    rf"|(?:[1-5]|{_ROMAN_PILLAR})\s*[-–—:]\s*[^\W\d_][^)\]]*)[)\]]\s*$"
    rf"|\s+[-–—]\s+({_PILLAR_WORD}\s*(?:[1-5]|[ivx]{{1,4}})\b.*)$", re.I)


# A pillar named with its number in a sentence of the section: "The Government places it under
# Pillar 1 of the Commitment ...", "Ce programme, qui relève des piliers 2 et 3, est ...".
_PILLAR_NUMBER = rf"(?:[1-5](?![\d.]\d)|{_ROMAN_PILLAR}\b)"
_PILLAR_IN_PROSE = re.compile(
    rf"\b{_PILLAR_WORD}\s*(?:n[°º.]?\s*)?{_PILLAR_NUMBER}"
    rf"(?:\s*(?:,|&|\by\b|\be\b|\bet\b|\band\b)\s*(?:{_PILLAR_WORD}\s*)?{_PILLAR_NUMBER})*", re.I)


def declared_in_prose(text: str) -> str:
    """The first pillar a section's own text names by number ("piliers 2 et 3"), or "": a reply
    written as prose has no "Corresponding MISPA pillar" field and says it in a sentence."""
    m = _PILLAR_IN_PROSE.search(text)
    return squash(m.group(0)) if m else ""


def _split_declared(title: str) -> tuple[str, str]:
    """"Mediación escolar (Pilares 2 y 4)" -> ("Mediación escolar", "Pilares 2 y 4")."""
    m = _TRAILING_PILLAR.search(title)
    return (unquote(title[:m.start()]), (m.group(1) or m.group(2)).strip()) if m else (title, "")


def _iter_events(blocks: tuple[Block, ...]) -> Iterator[_Event]:
    for block in blocks:
        if block.kind == "table":
            yield from _table_events(block)
        elif block.kind == "heading" and (event := _named_title(block.text, block.page)) is not None:
            yield event
        elif block.kind == "heading" and (match_heading(block.text) is not None
                                          or not match_label(block.text)):
            yield _heading_event(block.text, block.page, styled=True)
        else:
            events = list(_paragraph_events(block.text, block.page))
            if events and block.last_page:  # a paragraph that runs on to the next page ends there
                events[-1].page = block.last_page
            yield from events


def _named_title(line: str, page: int | None) -> _Event | None:
    """The heading of a section titled by `line` when it starts with a title label and goes on with
    a name, with no colon between ("Programa Escuelas Seguras"): a section's title, not a label with
    its answer to come (those words were dropped, and the section ran into the one before)."""
    m = match_label(line)
    if m is None or m.value or m.field not in TITLE_FIELDS or names_a_field(line) or match_heading(line):
        return None
    return _Event("heading", page, value=line.strip(), section_kind=TITLE_FIELDS[m.field], title=squash(line))


def _heading_event(text: str, page: int | None, *, styled: bool) -> _Event:
    m = match_heading(text, strict=not styled)
    if m is None:
        return _Event("heading", page, value=text.strip())
    return _Event("heading", page, value=text.strip(), section_kind=m.kind, title=m.title)


def _paragraph_events(text: str, page: int | None) -> Iterator[_Event]:
    lines = [ln.strip() for ln in text.split("\n") if ln.strip() and not is_boilerplate(ln)]
    if len(lines) == 1 and (event := _named_title(lines[0], page)) is not None:
        yield event
        return
    if len(lines) == 1 and len(lines[0]) <= 120 and not match_label(lines[0], alone_ok=False):
        heading = match_heading(lines[0], strict=True)
        if heading is None and is_annex(lines[0]):
            heading = HeadingMatch(None, "")
        if heading is not None:
            yield _Event("heading", page, value=lines[0], section_kind=heading.kind, title=heading.title)
            return
    i, first, before = 0, True, ""  # before: the line before, when it was text
    while i < len(lines):
        heading = _heading_inside(lines, i)
        if heading is not None:  # OCR and some PDFs run a heading into the paragraph before it
            yield _Event("heading", page, value=lines[i], section_kind=heading.kind, title=heading.title)
            i, first, before = i + 1, True, ""
            continue
        m = match_label(lines[i])
        used = 1
        if (m is None or not m.value) and i + 1 < len(lines) and ":" in lines[i + 1][:_SPLIT_LABEL_MAX] \
                and (m is None or match_label(lines[i + 1], alone_ok=False) is None):  # not a label's own line
            joined = match_label(lines[i] + " " + lines[i + 1], alone_ok=False, exact=True)  # label over two lines
            if joined is not None:
                m, used = joined, 2
        if m is not None and not _plausible(m, _value_lines(m, lines[i + used:]), first, before):
            m, used = None, 1  # running text: this line only (a label over two lines gave back its second)
        if m is None:
            yield _Event("text", page, value=lines[i], new_paragraph=first)
        else:
            yield _Event("field", page, field=m.field, value=m.value)
        before = lines[i] if m is None else ""
        i += used
        first = False


_SPLIT_LABEL_MAX = 90
_SENTENCE_ENDS = (".", ":", ";", "!", "?")  # a line ending so has finished its sentence (or opens a list)


def _heading_inside(lines: list[str], i: int) -> HeadingMatch | None:
    """A questionnaire heading on a line of its own after a finished sentence, inside a paragraph
    ("... desde el comienzo." / "Información sobre Lecciones Aprendidas en Seguridad Pública")."""
    line = lines[i]
    before = lines[i - 1] if i else ""
    last = before.rsplit(" ", 1)[-1]
    ended = before.endswith((*_SENTENCE_ENDS, ")")) or "/" in last or "@" in last  # a sentence, a link
    if (i == 0 or not ended or len(line) > 120
            or not line[:1].isupper() or line.endswith((".", ",", ";")) or match_label(line, alone_ok=False)):
        return None
    found = match_heading(line, strict=True)
    return found if found is not None and found.kind is not None else None


def _value_lines(m: LabelMatch, following: list[str]) -> str:
    """A name label's value with the wrapped lines after it, up to the next label."""
    if m.field not in TITLE_FIELDS:
        return m.value
    tail = []
    for line in following:
        if match_label(line, alone_ok=False) is not None:
            break
        tail.append(line)
    return " ".join([m.value, *tail]).strip()


def _plausible(m: LabelMatch, value: str, first: bool, before: str) -> bool:
    """Reject label matches that are more likely running text.

    A one-word label standing alone inside a paragraph is a wrapped line ("Programme"), and so is a
    line inside a paragraph that only starts like a label ("programa en instituciones edu-"), or
    that starts with one in lower case after a line of text that has not ended its sentence
    ("... compromisos concretos de cada" / "institución: horarios de patrullaje, ...": the sentence
    wrapped before its colon; `before` is the line before when it was text, else ""). A name
    label followed by a whole sentence (`value`, with its wrapped lines) is prose
    ("Enseignement tiré : la police ne peut ..."), except a plan's: no sentence opens with "Name of
    the Plan", and a plan's name often carries the act that approved it ("Plan Nacional ... 2019-2023,
    aprobado por el Consejo Nacional ..."). OCR may lower a label's capital ("institución
    responsable:"), so a lower-case label after a field line or a finished sentence stays one.
    """
    if before and not before.endswith(_SENTENCE_ENDS) and m.label[:1].islower():
        return False
    if not m.value and not first and (len(m.label.split()) < 2 or not names_a_field(m.label)):
        return False
    if TITLE_FIELDS.get(m.field) not in (None, SectionKind.PLAN) and (
            len(value) > 160 or (value.endswith(".") and len(value) > 80)):
        return False
    return True


def _without_comments(rows: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
    """The rows without a last column of side remarks, when one of the first two rows heads its
    last column so ("PROGRAMA | Observaciones"): the widest rows lose their last cell, the header
    row too."""
    head = next((n for n, row in enumerate(rows[:2]) if len(row) > 1 and names_comment_column(row[-1])), None)
    if head is None:
        return rows
    widest = max(len(row) for row in rows)
    return tuple(row[:-1] if n == head or (len(row) == widest and widest > 2) else row
                 for n, row in enumerate(rows))


def _table_events(block: Block) -> Iterator[_Event]:
    last_page = block.last_page or block.page
    rows = _without_comments(block.rows)
    name: str | None = None  # the field of the last labelled row
    before = ""  # the last value given
    for n, row in enumerate(rows):
        page = block.page if n < len(rows) // 2 or last_page is None else last_page
        cells = [c.strip() for c in row]
        label, value = cells[0], "\n".join(c for c in cells[1:] if c)
        empty = match_cell_label(label) if len(cells) > 1 and label and not value else None
        if empty is not None:  # a questionnaire row left empty ("Other relevant information" | "")
            name = empty
            yield _Event("field", page, field=name, value="")
            continue
        if len(cells) > 1 and not label:  # the value goes on (e.g. over a page break)
            if name == "institution":  # its contact lines go on: "Teléfono/Fax: ..."
                yield from _institution_events(value, page, opening=False)
            else:  # a name is one line, whatever its next part starts with ("... y" / "Certificación ...")
                yield _Event("text", page, value=value,
                             new_paragraph=not (name in TITLE_FIELDS or _goes_on(before, value)))
            before = value
            continue
        if len(cells) == 1 or len(set(c for c in cells if c)) == 1:
            name = None
            yield from _paragraph_events(next(c for c in cells if c), page)
            continue
        name = match_cell_label(label)
        if name is None and n and _label_tail(label):
            yield _Event("text", page, value=value, new_paragraph=False)  # a label cell's tail over a page break
        elif name is None:
            yield from _paragraph_events(f"{label.rstrip(' :')}: {value}" if value else label, page)
        elif name == "institution":
            yield from _institution_events(value, page)
        else:
            yield _Event("field", page, field=name, value=value)
        before = value


def _goes_on(before: str, after: str) -> bool:
    """Whether ``after`` goes on with the sentence ``before`` left unfinished (a cell cut by a
    page break): no full stop or the like before, a lower-case word after, not a list item."""
    return (bool(before) and not before.rstrip().endswith(_SENTENCE_ENDS) and after[:1].islower()
            and strip_numbering(after) == after)


def _label_tail(label: str) -> bool:
    """The end of a label cell broken over a page break: "methodology", "implementación:"."""
    return len(label.split()) <= 3 and (label.endswith(":") or label[:1].islower())


def _institution_events(value: str, page: int | None, *, opening: bool = True) -> Iterator[_Event]:
    """The lines of a "Responsible institution" cell: its sub-labels (name, person, title, phone,
    e-mail) as fields; ``opening=False`` for the rest of a cell continued on the next page."""
    if opening:
        yield _Event("field", page, field="institution", value="")
    for line in (ln.strip() for ln in value.split("\n")):
        if not line:
            continue
        m = match_label(line, alone_ok=False)
        if m is not None and m.field in CONTACT_FIELDS:
            yield _Event("field", page, field=m.field, value=m.value)
        else:
            yield _Event("text", page, value=line, new_paragraph=False)


def _finalize(d: _Draft, ordinal: int) -> Section | None:
    fields = {k: tidy("\n\n".join(v)) for k, v in d.fields.items()}
    fields = {k: v for k, v in fields.items() if v}
    kind = d.kind or _infer_kind(fields, d.title or fields.get("name", "")) or SectionKind.PROGRAM
    for theirs, ours in _SAME_FIELD.get(kind, {}).items():  # "Acciones adoptadas" in a program
        if theirs in fields and ours not in fields:
            fields[ours] = fields.pop(theirs)
    institution = fields.pop("institution_name", "") or fields.get("institution", "")
    fields.pop("institution", None)
    contact = {k: fields.pop(k, "") for k in ("contact_person", "job_title", "phone", "email")}
    if not contact["email"]:
        m = _EMAIL.search(institution)
        contact["email"] = m.group(0) if m else ""
    contact["email"] = _AT_MISREAD.sub(r"\1@\2", squash(contact["email"]))
    title = squash(clean(d.title)) or (fields.get("name", "") if kind == SectionKind.PLAN else "")
    if kind == SectionKind.PLAN and title and "name" not in fields:
        fields["name"] = title
    body = tidy("\n\n".join(d.body))
    text = "\n\n".join(x for x in [title, *fields.values(), body] if x)
    if not text.strip():
        return None
    declared = squash(fields.pop("declared_pillar", ""))  # a cell's wrapped lines, one line
    if "declared_pillar" not in d.fields and kind != SectionKind.PLAN:  # no such field, not one left empty
        declared = declared_in_prose(text[len(title):])
    pages = sorted(d.pages)
    return Section(
        kind=kind, title=title or squash(body[:80]), fields=fields, text=text, ordinal=ordinal,
        member_state_text=fields.pop("member_state", ""), institution=squash(institution),
        contact_person=squash(contact["contact_person"]), job_title=squash(contact["job_title"]),
        phone=squash(contact["phone"]), email=contact["email"],  # squashed with the "@" put back
        declared_pillar=declared,
        page_start=pages[0] if pages else None, page_end=pages[-1] if pages else None,
    )


def _infer_kind(fields: dict[str, str], title: str) -> SectionKind | None:
    """The kind whose own fields the section has most of; a title naming a kind ("Programa ...")
    decides when no kind has two of its fields there."""
    best = max(_KIND_FIELDS, key=lambda k: len(_KIND_FIELDS[k] & fields.keys()))
    found = len(_KIND_FIELDS[best] & fields.keys())
    if found < 2 and (named := kind_named_by(title)) is not None:
        return named
    return best if found else None
