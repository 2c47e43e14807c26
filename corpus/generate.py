#!/usr/bin/env python3
"""Render the hand-written reply sources (corpus/source/*.json) into reply files and gold labels.

Each source (format: corpus/SPEC.md) describes one Member State's reply to the DPS questionnaire
"Best practices and national experiences in public security in the Americas" (Appendix IV of the
MISPA report). This script turns it into the file the Permanent Mission would have mailed and writes
one gold line per section to corpus/gold.jsonl.

Layouts (every document is built with python-docx, in the reply's language, and opens with a
document title and the cover note paragraphs):

``table``
    Like the questionnaire itself: per block a heading ("a. Información sobre el Plan de Seguridad
    Pública", "b. Información sobre Programas de Seguridad Pública", ...) and a two-column
    label | value table whose first row is a merged header. The "Responsible Institution" value cell
    holds the sub-labels (name, person in charge, job title, phone, e-mail) as line breaks inside one
    paragraph; multi-paragraph values become several cell paragraphs. Some replies repeat the block
    heading for every program, others number the items ("Programa 1", "Programa 2"); one reply in
    three continues long values in an extra row with an empty label cell and keeps the
    questionnaire's empty rows.
``paragraph``
    The same block headings (numbered "b.", "II." or not at all), then ``Label: value`` paragraphs;
    further value paragraphs follow without a label and the institution is given as sub-label
    paragraphs. In one reply in three a few labels stand alone without a colon and the value starts
    in the next paragraph; in two replies of the corpus (pinned) one long label is broken over two
    lines.
``narrative``
    A Word heading ("Heading 1" or "Heading 2") per section, e.g. "Programa: Barrio en Paz",
    "Good practice – ...", "Leçon apprise : ..." (a section's ``heading`` overrides it); the plan
    sits under a heading with its title, its field texts as plain paragraphs; sections' ``body``
    paragraphs follow their heading. No labels at all.

Which reply gets which variation is decided once, when the reply is first rendered, from a salted
hash of its id, and kept in ``variants.json`` (written beside the gold file, committed). So adding
or editing one reply never changes how another is rendered. (The replies rendered before that file
existed had their variants from a hash rank among the replies of their layout at the time; those
are the variants kept for them.) A variant key added later has a default (off) and is written to
``variants.json`` only for a reply that sets it, so no other reply's line or file changes:
``running_head`` (text, default empty) puts that line in the page header of every page and a page
footer "Página N de M" / "Page N of M" (Word PAGE and NUMPAGES fields) in the reply's language; it
is never chosen from the hash, only pinned by hand for a reply (a PDF exported from Word keeps both
on every page). Later keys of the same kind use Word's own features: ``tracked_changes`` (reviewers
"A; B"; a source's ``{+..+}``/``{-..-}`` stay unaccepted insertions/deletions), ``content_controls``
(answers in block-level w:sdt), ``auto_numbering`` (block headings and list items numbered from
numbering.xml), ``comments_column`` (table: a third column with a section's ``comments``),
``merged_labels`` (table: label cells merged vertically over one row per answer paragraph) and
``letterhead_box`` (letterhead in a text box). ``[^..]`` in a source text is a Word footnote.

Besides the questionnaire's blocks a source may carry the extra matter a mission adds: ``intro``,
paragraphs written after the cover note (and its page break) and before the first block heading,
and ``annex``, a heading and paragraphs after the last section that belong to no section (e.g.
"Anexo – Estadísticas"). Neither is in the gold file.

Formats: ``docx``; ``pdf`` (the docx exported by LibreOffice); ``doc`` and ``rtf`` (LibreOffice
conversions of the docx); ``scan`` (the PDF rasterised at 200 dpi, slightly rotated, noised and
thresholded like a photocopy, put back together as an image-only PDF without a text layer);
``eml`` (an e-mail from the mission with the cover note as body and the docx attached); ``zip``
(the docx plus a cover-letter .txt); ``mbox`` (the e-mail, one message of the mailbox named by the
source's ``mailbox`` key, ``replies/<mailbox>.mbox``, messages in date order). For ``eml`` and
``mbox`` a source may give ``"attach"``: ``docx`` (default), ``zip`` (the zip above attached) or
``forward`` (the mission's message forwarded by DPS staff as an attached message), and
``"sender"``, the mission's address (default ``<mailbox>.<state>@mission-<state>.example``).
Later ``attach`` modes: ``body`` (eml/mbox: the reply pasted into the message as plain text, no
attachment), ``plan_docx`` (eml/mbox: the reply .docx without its plan, then the plan as its own .docx)
and ``split`` (zip, or eml/mbox attaching it: the cover note as one .docx, the answers as another).

Metadata is fixed so that output is reproducible: the docx core properties name the mission as
author and carry the reply date as created/modified date, zip members carry the reply date, and PDF
dates and ids are rewritten.

This module deliberately imports nothing from the mispa packages (ingest, classify, ...): the corpus
must not be shaped by the parser it is used to test.

Gold (one JSON object per section, the plan included, sorted by file then order in the file)::

    {"file": "replies/<name>", "source", "split", "language", "layout", "format", "member_state",
     "kind", "title", "declared_pillar", "pillars", "themes", "institution", "fields"}

``fields`` is the source's fields verbatim ({} for the narrative layout, which prints no labels).

Usage::

    python corpus/generate.py [--source corpus/source] [--out corpus/replies]
                              [--gold corpus/gold.jsonl] [--only ID ...]

With ``--only`` just those replies are rendered; the gold file is always rewritten for every source.
A full run also removes reply files that no source produces any more. The held-out list in the
PROVENANCE.md next to the gold file (between its marker comments) is kept in sync with the sources.
Needs python-docx; for pdf/doc/rtf/scan also LibreOffice (soffice), and pikepdf, pdftoppm and Pillow.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import email.policy
import hashlib
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import docx
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

HERE = Path(__file__).resolve().parent

LANGUAGES = ("es", "en", "pt", "fr")
LAYOUTS = ("table", "paragraph", "narrative")
SPLITS = ("tune", "heldout")
KINDS = ("plan", "program", "lesson", "practice")
EXTENSIONS = {
    "docx": "docx",
    "pdf": "pdf",
    "doc": "doc",
    "rtf": "rtf",
    "scan": "pdf",
    "eml": "eml",
    "zip": "zip",
    "mbox": "mbox",
}
ATTACH_MODES = ("docx", "zip", "forward", "body", "plan_docx", "split")
# Attach modes added later, each for some formats only: "body" (eml/mbox: the reply pasted as plain text into
# the message, no attachment), "plan_docx" (eml/mbox: the plan as a second .docx attached after the reply),
# "split" (zip, or eml/mbox attaching that zip: the cover note as one .docx, the answers as another).
ATTACH_FORMATS = {"body": ("eml", "mbox"), "plan_docx": ("eml", "mbox"), "split": ("zip", "eml", "mbox")}
FORWARDER = "registro.dps@oas.org"
FORWARD_NOTE = {
    "es": "Se reenvía la respuesta recibida en la cuenta de la Misión para su registro.",
    "en": "Forwarding the reply received in the mission account, for the record.",
    "pt": "Encaminho a resposta recebida na conta da Missão, para registro.",
    "fr": "Je transmets la réponse reçue dans la boîte de la Mission, pour enregistrement.",
}
SOFFICE_TARGET = {"pdf": "pdf", "scan": "pdf", "doc": "doc", "rtf": "rtf"}  # format -> LibreOffice output
FIELD_KEYS: dict[str, tuple[str, ...]] = {
    "plan": ("name", "period", "threats", "strategies", "results", "link", "other"),
    "program": ("target_population", "needs", "lines_of_action", "evaluation", "results", "link", "other"),
    "lesson": ("problem", "causes", "actions", "link", "other"),
    "practice": ("objective", "description", "results", "transfer", "link", "other"),
}
INSTITUTION_KEYS = ("name", "person", "job_title", "phone", "email")
# The questionnaire leaves empty rows after these fields; "continuation" replies keep them.
EMPTY_ROWS_AFTER = {
    "program.evaluation": 2,
    "lesson.causes": 1,
    "lesson.actions": 1,
    "practice.description": 2,
}
FONTS = (("Arial", 11.0), ("Times New Roman", 12.0), ("Calibri", 11.0))
SOFFICE_TIMEOUT = 120  # seconds, plus SOFFICE_TIMEOUT_PER_FILE for each file of a batch
SOFFICE_TIMEOUT_PER_FILE = 30
SCAN_DPI = 200
DPS_ADDRESS = "dps@oas.org"
HELDOUT_START, HELDOUT_END = "<!-- heldout:start (written by generate.py) -->", "<!-- heldout:end -->"

# Default labels, the questionnaire's wording in each language. Keys are "<kind>.<field>" or a
# common key; a source's "labels" may override them with "<kind>.<field>" or a bare field name.
LABELS: dict[str, dict[str, str]] = {
    "es": {
        "member_state": "Estado Miembro",
        "institution": "Institución responsable",
        "institution.name": "Nombre de la institución",
        "institution.person": "Persona a cargo",
        "institution.job_title": "(Cargo)",
        "institution.phone": "Teléfono/Fax",
        "institution.email": "Correo electrónico",
        "pillar": "Pilar MISPA correspondiente",
        "link": "Enlace electrónico",
        "other": "Otra información importante",
        "plan.name": "Nombre del plan",
        "plan.period": "Período de implementación",
        "plan.threats": "Amenazas actuales o emergentes en las que se centra el plan",
        "plan.strategies": "Estrategias contra las amenazas",
        "plan.results": "Resultados alcanzados",
        "program.name": "Nombre del programa",
        "program.target_population": "Población objetivo",
        "program.needs": "Necesidades priorizadas",
        "program.lines_of_action": "Líneas de acción",
        "program.evaluation": "Metodología de evaluación",
        "program.results": "Resultados preliminares",
        "lesson.name": "Nombre de la lección aprendida",
        "lesson.problem": "Problema/logro",
        "lesson.causes": "Causas del problema/logro",
        "lesson.actions": "Acciones tomadas contra las causas",
        "practice.name": "Nombre de la buena práctica",
        "practice.objective": "Objetivo",
        "practice.description": "Breve descripción de la práctica",
        "practice.results": "Resultados alcanzados",
        "practice.transfer": "Aspectos a considerar para la transferencia o réplica",
    },
    "en": {
        "member_state": "Member State",
        "institution": "Responsible Institution",
        "institution.name": "Name of the institution",
        "institution.person": "Person in charge",
        "institution.job_title": "(Job Title)",
        "institution.phone": "Phone/Fax",
        "institution.email": "E-mail",
        "pillar": "Corresponding MISPA pillar",
        "link": "Electronic link",
        "other": "Other important information",
        "plan.name": "Name of Plan",
        "plan.period": "Implementation Period",
        "plan.threats": "Current or emerging threats on which the plan focuses",
        "plan.strategies": "Strategies against the threats faced",
        "plan.results": "Results achieved",
        "plan.other": "Other relevant information",
        "program.name": "Name of the program",
        "program.target_population": "Targeted population",
        "program.needs": "Prioritized needs",
        "program.lines_of_action": "Lines of action",
        "program.evaluation": "Evaluation methodology",
        "program.results": "Preliminary results",
        "lesson.name": "Name of the Lesson Learned",
        "lesson.problem": "Problem/achievement",
        "lesson.causes": "Causes of the problem/achievement",
        "lesson.actions": "Actions taken against the causes",
        "practice.name": "Name of the Good Practice",
        "practice.objective": "Objective",
        "practice.description": "Brief description of the practice",
        "practice.results": "Results achieved",
        "practice.transfer": "Issues to be considered for transfer or replication",
    },
    "pt": {
        "member_state": "Estado Membro",
        "institution": "Instituição responsável",
        "institution.name": "Nome da instituição",
        "institution.person": "Pessoa responsável",
        "institution.job_title": "(Cargo)",
        "institution.phone": "Telefone/Fax",
        "institution.email": "Correio eletrônico",
        "pillar": "Pilar MISPA correspondente",
        "link": "Link eletrônico",
        "other": "Outras informações importantes",
        "plan.name": "Nome do plano",
        "plan.period": "Período de implementação",
        "plan.threats": "Ameaças atuais ou emergentes nas quais o plano se concentra",
        "plan.strategies": "Estratégias contra as ameaças",
        "plan.results": "Resultados alcançados",
        "program.name": "Nome do programa",
        "program.target_population": "População-alvo",
        "program.needs": "Necessidades priorizadas",
        "program.lines_of_action": "Linhas de ação",
        "program.evaluation": "Metodologia de avaliação",
        "program.results": "Resultados preliminares",
        "lesson.name": "Nome da lição aprendida",
        "lesson.problem": "Problema/conquista",
        "lesson.causes": "Causas do problema/conquista",
        "lesson.actions": "Ações tomadas contra as causas",
        "practice.name": "Nome da boa prática",
        "practice.objective": "Objetivo",
        "practice.description": "Breve descrição da prática",
        "practice.results": "Resultados alcançados",
        "practice.transfer": "Aspectos a considerar para a transferência ou replicação",
    },
    "fr": {
        "member_state": "État membre",
        "institution": "Institution responsable",
        "institution.name": "Nom de l'institution",
        "institution.person": "Personne responsable",
        "institution.job_title": "(Fonction)",
        "institution.phone": "Téléphone/Télécopie",
        "institution.email": "Courriel",
        "pillar": "Pilier MISPA correspondant",
        "link": "Lien électronique",
        "other": "Autres informations importantes",
        "plan.name": "Nom du plan",
        "plan.period": "Période de mise en œuvre",
        "plan.threats": "Menaces actuelles ou émergentes sur lesquelles porte le plan",
        "plan.strategies": "Stratégies face aux menaces",
        "plan.results": "Résultats obtenus",
        "program.name": "Nom du programme",
        "program.target_population": "Population cible",
        "program.needs": "Besoins prioritaires",
        "program.lines_of_action": "Axes d'action",
        "program.evaluation": "Méthodologie d'évaluation",
        "program.results": "Résultats préliminaires",
        "lesson.name": "Nom de la leçon apprise",
        "lesson.problem": "Problème/réussite",
        "lesson.causes": "Causes du problème/de la réussite",
        "lesson.actions": "Mesures prises contre les causes",
        "practice.name": "Nom de la bonne pratique",
        "practice.objective": "Objectif",
        "practice.description": "Brève description de la pratique",
        "practice.results": "Résultats obtenus",
        "practice.transfer": "Aspects à prendre en compte pour le transfert ou la reproduction",
    },
}


@dataclass(frozen=True)
class LanguageText:
    """Everything besides field labels that a reply writes in its own language."""

    title: str
    mission: str  # letterhead line under the country name
    author: str  # docx core property "author"
    colon: str  # how a label is closed ("Label:" or, in French, "Label :")
    blocks: dict[str, str]  # kind -> block heading of the questionnaire
    nouns: dict[str, str]  # kind -> noun for numbered items and narrative headings
    note: str  # the questionnaire's "Nota" line that some replies leave in place
    subject: str  # e-mail subject, {state} is replaced
    attachment: str  # stem of the attached / zipped docx, {state} is replaced
    letter: str  # name of the cover letter in a zip
    mailbox: str  # local part of the mission's e-mail address
    page_of: tuple[str, str] = ("Page ", " of ")  # page footer: "<a>N<b>M"


TEXT: dict[str, LanguageText] = {
    "es": LanguageText(
        title="Cuestionario «Mejores prácticas y experiencias nacionales en seguridad pública "
        "en las Américas»",
        mission="Misión Permanente ante la Organización de los Estados Americanos",
        author="Misión Permanente",
        colon=":",
        blocks={
            "plan": "Información sobre el Plan de Seguridad Pública",
            "program": "Información sobre Programas de Seguridad Pública",
            "lesson": "Información sobre Lecciones Aprendidas en Seguridad Pública",
            "practice": "Información sobre Buenas Prácticas en Seguridad Pública",
        },
        nouns={
            "plan": "Plan",
            "program": "Programa",
            "lesson": "Lección aprendida",
            "practice": "Buena práctica",
        },
        note="Nota: Favor destacar uno o más programas existentes.",
        subject="Respuesta al cuestionario sobre mejores prácticas en seguridad pública – {state}",
        attachment="Respuesta_cuestionario_DPS_{state}",
        letter="nota_de_remision.txt",
        mailbox="mision",
        page_of=("Página ", " de "),
    ),
    "en": LanguageText(
        title="Questionnaire “Best Practices and National Experiences in Public Security in the Americas”",
        mission="Permanent Mission to the Organization of American States",
        author="Permanent Mission",
        colon=":",
        blocks={
            "plan": "Information on the Public Security Plan",
            "program": "Information on Public Security Programs",
            "lesson": "Information on Lessons Learned in Public Security",
            "practice": "Information on Good Practices in Public Security",
        },
        nouns={"plan": "Plan", "program": "Program", "lesson": "Lesson learned", "practice": "Good practice"},
        note="Note: Please highlight one or more existing programs.",
        subject="Reply to the questionnaire on best practices in public security – {state}",
        attachment="Reply_DPS_questionnaire_{state}",
        letter="cover_letter.txt",
        mailbox="mission",
    ),
    "pt": LanguageText(
        title="Questionário “Melhores práticas e experiências nacionais em segurança pública nas Américas”",
        mission="Missão Permanente junto à Organização dos Estados Americanos",
        author="Missão Permanente",
        colon=":",
        blocks={
            "plan": "Informação sobre o Plano de Segurança Pública",
            "program": "Informação sobre Programas de Segurança Pública",
            "lesson": "Informação sobre Lições Aprendidas em Segurança Pública",
            "practice": "Informação sobre Boas Práticas em Segurança Pública",
        },
        nouns={
            "plan": "Plano",
            "program": "Programa",
            "lesson": "Lição aprendida",
            "practice": "Boa prática",
        },
        note="Nota: Favor destacar um ou mais programas existentes.",
        subject="Resposta ao questionário sobre melhores práticas em segurança pública – {state}",
        attachment="Resposta_questionario_DPS_{state}",
        letter="nota_de_encaminhamento.txt",
        mailbox="missao",
        page_of=("Página ", " de "),
    ),
    "fr": LanguageText(
        title="Questionnaire « Meilleures pratiques et expériences nationales en matière de "
        "sécurité publique dans les Amériques »",
        mission="Mission permanente auprès de l'Organisation des États Américains",
        author="Mission permanente",
        colon=" :",
        blocks={
            "plan": "Information sur le Plan de sécurité publique",
            "program": "Information sur les programmes de sécurité publique",
            "lesson": "Information sur les leçons apprises en matière de sécurité publique",
            "practice": "Information sur les bonnes pratiques en matière de sécurité publique",
        },
        nouns={
            "plan": "Plan",
            "program": "Programme",
            "lesson": "Leçon apprise",
            "practice": "Bonne pratique",
        },
        note="Note : Veuillez mettre en évidence un ou plusieurs programmes existants.",
        subject="Réponse au questionnaire sur les meilleures pratiques en sécurité publique – {state}",
        attachment="Reponse_questionnaire_DPS_{state}",
        letter="lettre_de_transmission.txt",
        mailbox="mission",
        page_of=("Page ", " de "),
    ),
}

LABEL_ALIASES = {"pillar": ("declared_pillar",), "name": ("title",)}
BLOCK_LETTERS = {"plan": "a.", "program": "b.", "lesson": "c.", "practice": "d."}
BLOCK_ROMAN = {"plan": "I.", "program": "II.", "lesson": "III.", "practice": "IV."}


class SourceError(ValueError):
    """A source file does not follow corpus/SPEC.md."""


# --------------------------------------------------------------------------------------------------
# Source model
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """One plan, program, lesson or practice of a reply, in file order."""

    kind: str
    title: str
    fields: dict[str, str]
    institution: dict[str, str] = field(default_factory=dict)
    declared_pillar: str = ""
    body: tuple[str, ...] = ()
    pillars: tuple[int, ...] = ()
    themes: tuple[str, ...] = ()
    heading: str | None = None
    comments: dict[str, str] = field(default_factory=dict)  # table "comments" column: field -> text


@dataclass(frozen=True)
class Reply:
    """A parsed source file."""

    id: str
    member_state: str
    as_written: str
    language: str
    layout: str
    format: str
    split: str
    date: dt.date
    labels: dict[str, str]
    cover_note: tuple[str, ...]
    sections: tuple[Section, ...]  # the plan (if any) first
    mailbox: str | None = None  # format mbox: the mailbox file's stem
    attach: str = "docx"  # eml/mbox: how the reply is attached (ATTACH_MODES)
    sender: str | None = None  # eml/mbox: the mission's e-mail address
    intro: tuple[str, ...] = ()  # paragraphs before the first block heading (no section's)
    annex_heading: str = ""  # heading of the matter after the last section (no section's)
    annex: tuple[str, ...] = ()  # its paragraphs

    @property
    def filename(self) -> str:
        if self.format == "mbox":
            return f"{self.mailbox}.mbox"
        return f"{self.id}.{EXTENSIONS[self.format]}"


def _choice(data: dict[str, Any], key: str, allowed: Sequence[str]) -> str:
    value = data.get(key)
    if value not in allowed:
        raise SourceError(f"{key} must be one of {', '.join(allowed)}, not {value!r}")
    return str(value)


def parse_section(data: dict[str, Any], kind: str | None = None) -> Section:
    """Build a Section from a source's plan (kind given) or sections entry."""
    kind = kind or _choice(data, "kind", KINDS[1:])
    fields = {str(k): str(v) for k, v in (data.get("fields") or {}).items()}
    unknown = sorted(set(fields) - set(FIELD_KEYS[kind]))
    if unknown:
        raise SourceError(f"{kind} {data.get('title')!r}: unknown field(s) {', '.join(unknown)}")
    if not str(data.get("title", "")).strip():
        raise SourceError(f"a {kind} has no title")
    bad = [str(x) for x in data.get("pillars") or () if x not in range(1, 6)]
    bad += [str(x) for x in data.get("themes") or () if not re.fullmatch(r"[1-5]\.[1-5]", str(x))]
    if bad:
        raise SourceError(f"{kind} {data['title']!r}: invalid pillar/theme {', '.join(bad)}")
    return Section(
        kind=kind,
        title=str(data["title"]),
        fields=fields,
        institution={str(k): str(v) for k, v in (data.get("institution") or {}).items()},
        declared_pillar=str(data.get("declared_pillar") or ""),
        body=tuple(str(p) for p in data.get("body") or ()),
        pillars=tuple(int(p) for p in data.get("pillars") or ()),
        themes=tuple(str(t) for t in data.get("themes") or ()),
        heading=str(data["heading"]) if data.get("heading") else None,
        comments={str(k): str(v) for k, v in (data.get("comments") or {}).items()},
    )


def parse_reply(data: dict[str, Any], stem: str) -> Reply:
    """Validate one source document and build its Reply."""
    if data.get("id") != stem or not re.fullmatch(r"[a-z0-9-]+", stem):
        raise SourceError(f"id {data.get('id')!r} must equal the file stem and use [a-z0-9-]")
    plan = [parse_section(data["plan"], "plan")] if data.get("plan") else []
    sections = plan + [parse_section(s) for s in data.get("sections") or ()]
    if not sections:
        raise SourceError("no plan and no sections")
    empty = [s.title for s in sections if not (s.body or s.fields)]
    if empty:
        raise SourceError(f"section(s) without body or fields: {'; '.join(empty)}")
    annex = data.get("annex")
    if annex is not None and not (isinstance(annex, dict) and annex.get("heading") and annex.get("paragraphs")):
        raise SourceError("annex must be {\"heading\": ..., \"paragraphs\": [...]}")
    mailbox = data.get("mailbox")
    if (data.get("format") == "mbox") != bool(mailbox) or (mailbox and not re.fullmatch(r"[a-z0-9-]+", mailbox)):
        raise SourceError("format mbox needs a mailbox ([a-z0-9-]+), other formats none")
    attach = _choice({"attach": data.get("attach", "docx")}, "attach", ATTACH_MODES)
    if attach in ATTACH_FORMATS and data.get("format") not in ATTACH_FORMATS[attach]:
        raise SourceError(f"attach {attach} is for formats {', '.join(ATTACH_FORMATS[attach])} only")
    if attach == "plan_docx" and not plan:
        raise SourceError("attach plan_docx needs a plan")
    return Reply(
        id=stem,
        member_state=str(data["member_state"]),
        as_written=str(data.get("member_state_as_written") or data["member_state"]),
        language=_choice(data, "language", LANGUAGES),
        layout=_choice(data, "layout", LAYOUTS),
        format=_choice(data, "format", tuple(EXTENSIONS)),
        split=_choice(data, "split", SPLITS),
        date=dt.date.fromisoformat(str(data["date"])),
        labels={str(k): str(v) for k, v in (data.get("labels") or {}).items()},
        cover_note=tuple(str(p) for p in data.get("cover_note") or ()),
        sections=tuple(sections),
        mailbox=str(mailbox) if mailbox else None,
        attach=attach,
        sender=str(data["sender"]) if data.get("sender") else None,
        intro=tuple(p for text in data.get("intro") or () for p in paragraphs_of(str(text))),
        annex_heading=str((data.get("annex") or {}).get("heading") or ""),
        annex=tuple(p for text in (data.get("annex") or {}).get("paragraphs") or ()
                    for p in paragraphs_of(str(text))),
    )


def load_sources(source_dir: Path) -> list[Reply]:
    """Read and validate every corpus/source/*.json; report all errors at once."""
    replies: list[Reply] = []
    errors: list[str] = []
    for path in sorted(source_dir.glob("*.json")):
        try:
            replies.append(parse_reply(json.loads(path.read_text(encoding="utf-8")), path.stem))
        except (SourceError, KeyError, ValueError, TypeError) as exc:
            errors.append(f"{path}: {type(exc).__name__}: {exc}")
    if errors:
        raise SystemExit("invalid sources:\n  " + "\n  ".join(errors))
    return replies


# --------------------------------------------------------------------------------------------------
# Deterministic variation
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """The presentation choices made for one reply."""

    font: tuple[str, float]
    letterhead: bool  # country name and mission above the title
    title_style: bool  # title in Word's "Title" style rather than a bold paragraph
    break_after_note: bool  # page break between the cover note and the form
    heading_level: int  # Word heading level of block headings, 0 = bold Normal paragraph
    numbering: str  # "letters", "roman" or "none" before block headings
    numbered_items: bool  # one block heading, then "Programa 1", "Programa 2" ...
    label_colon: bool  # table label cells end with a colon
    bold_labels: bool
    continuation_rows: bool  # table: value continues in an extra row with an empty label
    questionnaire_note: bool  # table: the questionnaire's "Nota:" line left after each table
    detached_labels: bool  # paragraph: a few labels alone, value in the next paragraph
    split_label: bool  # paragraph: one long label broken over two lines
    narrative_level: int  # narrative: heading level of the sections
    dash_headings: bool  # narrative: "Buena práctica – X" rather than "Buena práctica: X"
    # Keys added later: defaults off, never chosen from the hash, written only when set.
    running_head: str = ""  # page header line on every page, plus a "Página N de M" footer
    tracked_changes: str = ""  # "Reviewer A; Reviewer B": {+..+} left as A's insertions, {-..-} as B's deletions
    content_controls: bool = False  # answers inside block-level content controls (w:sdt), as in a template
    auto_numbering: bool = False  # block headings and "1) "/"- " list items numbered by Word (numbering.xml)
    comments_column: str = ""  # table: a third column with this header, holding the section's "comments"
    merged_labels: bool = False  # table: one row per value paragraph / sub-label, label cell merged vertically
    letterhead_box: str = ""  # the mission's letterhead (lines) in a text box at the top of the first page


def digest(*parts: str) -> int:
    """A stable integer hash of the parts."""
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:8], "big")


def choose_variant(reply: Reply) -> Variant:
    """Pick a new reply's presentation from salted hashes of its id (see ``pinned_variants``)."""

    def nth(salt: str, n: int) -> int:
        return digest(salt, reply.id) % n

    table, paragraph = reply.layout == "table", reply.layout == "paragraph"
    numbering = ("letters", "none", "letters") if table else ("letters", "roman", "none")
    return Variant(
        font=FONTS[nth("font", len(FONTS))],
        letterhead=nth("letterhead", 2) == 0,
        title_style=nth("title", 2) == 0,
        break_after_note=nth("break", 2) == 1,
        heading_level=(2, 0)[nth("heading", 2)],
        numbering=numbering[nth("numbering", 3)],
        numbered_items=nth("items", 2) == 1,
        label_colon=nth("colon", 3) != 2,
        bold_labels=nth("bold", 3) != 1,
        continuation_rows=table and nth("continuation", 3) == 0,
        questionnaire_note=table and nth("note", 3) == 1,
        detached_labels=paragraph and nth("detached", 3) == 0,
        split_label=False,  # never chosen; pinned for can-2015-fr-paragraph and slv-2020-paragraphpdf
        narrative_level=1 + nth("level", 2),
        dash_headings=nth("dash", 3) == 0,
    )


def pinned_variants(replies: Sequence[Reply], path: Path) -> dict[str, Variant]:
    """Every reply's variant: the one kept in ``path`` (``variants.json``) when there is one, else
    a new choice (``choose_variant``), for the caller to keep with ``write_variants``."""
    kept = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    variants = {}
    for reply in replies:
        if reply.id in kept:
            fields = dict(kept[reply.id])
            fields["font"] = tuple(fields["font"])
            variants[reply.id] = Variant(**fields)
        else:
            variants[reply.id] = choose_variant(reply)
    return variants


def variant_fields(variant: Variant) -> dict[str, Any]:
    """A variant as kept in ``variants.json``: later keys (those with a default) only when set."""
    fields = asdict(variant)
    for key, spec in Variant.__dataclass_fields__.items():
        if spec.default is not dataclasses.MISSING and fields[key] == spec.default:
            del fields[key]
    return fields


def write_variants(variants: dict[str, Variant], path: Path) -> bool:
    """Keep the variants in ``path``, one reply a line, by id; True when the file changed."""
    lines = [f"  {json.dumps(rid)}: {json.dumps(variant_fields(v), ensure_ascii=False)}"
             for rid, v in sorted(variants.items())]
    text = "{\n" + ",\n".join(lines) + "\n}\n"
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


# --------------------------------------------------------------------------------------------------
# Content shared by the table and paragraph layouts
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One questionnaire item of a section: its label and value paragraphs (empty = left blank)."""

    key: str  # "<kind>.<field>", or "<kind>.member_state" etc. for the common rows
    label: str
    paragraphs: tuple[str, ...]
    sublabels: bool = False  # institution: the paragraphs are "Sub-label: value" lines


def paragraphs_of(text: str) -> tuple[str, ...]:
    """Split a field value into paragraphs (blank-line separated); single newlines stay inside."""
    return tuple(p.strip() for p in re.split(r"\n\s*\n", text) if p.strip())


def label_for(reply: Reply, kind: str, key: str) -> str:
    """The label of an item: the reply's override or the language's default.

    Overrides are looked up as "<kind>.<key>", then as the bare key or its alias ("declared_pillar"
    for "pillar", "title" for "name"); institution sub-labels only as "institution.<key>".
    """
    names = [f"{kind}.{key}"]
    if kind != "institution":
        names += [key, *LABEL_ALIASES.get(key, ())]
    for name in names:
        if name in reply.labels:
            return reply.labels[name]
    defaults = LABELS[reply.language]
    return defaults.get(f"{kind}.{key}") or defaults[key]


def institution_lines(reply: Reply, section: Section, keep_blank: bool) -> tuple[str, ...]:
    """The institution's sub-label lines ("Nombre de la institución: X", ...)."""
    colon = TEXT[reply.language].colon
    lines = []
    for key in INSTITUTION_KEYS:
        value = section.institution.get(key, "").strip()
        if value or keep_blank:
            lines.append(f"{label_for(reply, 'institution', key)}{colon} {value}".rstrip())
    return tuple(lines)


def entries_for(reply: Reply, section: Section, keep_blank: bool) -> list[Entry]:
    """The section's items in the questionnaire's order (Member State, institution, name, pillar, ...)."""
    kind = section.kind

    def entry(key: str, text: str) -> Entry:
        return Entry(f"{kind}.{key}", label_for(reply, kind, key), paragraphs_of(text))

    items = [entry("member_state", reply.as_written)]
    if kind == "plan":
        items.append(entry("name", section.fields.get("name") or section.title))
        items += [entry(k, section.fields.get(k, "")) for k in FIELD_KEYS[kind][1:]]
    else:
        lines = institution_lines(reply, section, keep_blank)
        items.append(Entry(f"{kind}.institution", label_for(reply, kind, "institution"), lines, True))
        items += [entry("name", section.title), entry("pillar", section.declared_pillar)]
        items += [entry(k, section.fields.get(k, "")) for k in FIELD_KEYS[kind]]
    return items if keep_blank else [e for e in items if e.paragraphs]


def block_prefix(kind: str, variant: Variant) -> str:
    if variant.auto_numbering:
        return ""
    table = {"letters": BLOCK_LETTERS, "roman": BLOCK_ROMAN}.get(variant.numbering)
    return f"{table[kind]} " if table else ""


def headed_sections(reply: Reply, variant: Variant) -> Iterator[tuple[list[tuple[str, int]], Section]]:
    """Each section with the headings (text, level) written before it in the table/paragraph layouts."""
    text = TEXT[reply.language]
    counts = {k: sum(s.kind == k for s in reply.sections) for k in KINDS}
    seen = dict.fromkeys(KINDS, 0)
    previous = ""
    for section in reply.sections:
        kind = section.kind
        seen[kind] += 1
        block = (block_prefix(kind, variant) + text.blocks[kind], 1)
        if not variant.numbered_items:
            yield [block], section
            continue
        headings = [block] if kind != previous else []
        if counts[kind] > 1:
            headings.append((f"{text.nouns[kind]} {seen[kind]}", 2))
        previous = kind
        yield headings, section


# --------------------------------------------------------------------------------------------------
# python-docx helpers
# --------------------------------------------------------------------------------------------------


# Word-feature markup inside a source text: "{+text+}" a tracked insertion, "{-text-}" a tracked
# deletion (left unaccepted when the reply's variant names reviewers in ``tracked_changes``, else
# rendered accepted), "[^text]" a footnote. The gold text is the accepted text without footnotes.
MARKUP_RE = re.compile(r"\{\+(.*?)\+\}|\{-(.*?)-\}|\[\^(.*?)\]", re.DOTALL)
LIST_ITEM_RE = re.compile(r"(\d+\)|\d+\.|[-–•])\s+")
FOOTNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
NUMBER_FORMATS = {  # list kind -> (abstractNumId, numFmt, lvlText, left indent, hanging)
    "roman": (90, "upperRoman", "%1.", 567, 567),
    "decimal)": (91, "decimal", "%1)", 720, 360),
    "decimal.": (92, "decimal", "%1.", 720, 360),
    "bullet": (93, "bullet", "•", 720, 360),
}


def clean_text(text: str) -> str:
    """A source text as the reader sees it: insertions accepted, deletions and footnotes out."""
    return MARKUP_RE.sub(lambda m: m.group(1) if m.group(1) is not None else "", text)


@dataclass
class WordFeatures:
    """State of the Word-feature variants while one document is built."""

    doc: DocumentObject
    reply: Reply
    variant: Variant
    footnotes: list[str] = field(default_factory=list)
    next_id: int = 100
    next_num: int = 900
    abstracts: set[str] = field(default_factory=set)

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def new_num(self, kind: str, start: int = 1) -> int:
        """A w:num of the list kind, restarting at ``start``."""
        numbering = self.doc.part.numbering_part.element
        abstract_id, fmt, text, left, hanging = NUMBER_FORMATS[kind]
        if kind not in self.abstracts:
            self.abstracts.add(kind)
            abstract = OxmlElement("w:abstractNum")
            abstract.set(qn("w:abstractNumId"), str(abstract_id))
            multi = OxmlElement("w:multiLevelType")
            multi.set(qn("w:val"), "singleLevel")
            abstract.append(multi)
            lvl = OxmlElement("w:lvl")
            lvl.set(qn("w:ilvl"), "0")
            for tag, value in (("w:start", "1"), ("w:numFmt", fmt), ("w:lvlText", text), ("w:lvlJc", "left")):
                element = OxmlElement(tag)
                element.set(qn("w:val"), value)
                lvl.append(element)
            ppr = OxmlElement("w:pPr")
            ind = OxmlElement("w:ind")
            ind.set(qn("w:left"), str(left))
            ind.set(qn("w:hanging"), str(hanging))
            ppr.append(ind)
            lvl.append(ppr)
            abstract.append(lvl)
            first_num = numbering.find(qn("w:num"))
            if first_num is not None:
                first_num.addprevious(abstract)
            else:
                numbering.append(abstract)
        self.next_num += 1
        num = OxmlElement("w:num")
        num.set(qn("w:numId"), str(self.next_num))
        ref = OxmlElement("w:abstractNumId")
        ref.set(qn("w:val"), str(abstract_id))
        num.append(ref)
        override = OxmlElement("w:lvlOverride")
        override.set(qn("w:ilvl"), "0")
        start_el = OxmlElement("w:startOverride")
        start_el.set(qn("w:val"), str(start))
        override.append(start_el)
        num.append(override)
        numbering.append(num)
        return self.next_num


FEATURES: WordFeatures | None = None  # set by build_docx while a document is built


def number_paragraph(paragraph: Paragraph, num_id: int) -> None:
    num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = 0
    num_pr.get_or_add_numId().val = num_id


class ListState:
    """The list a run of value paragraphs is in (auto_numbering): a new list restarts at 1."""

    def __init__(self) -> None:
        self.kind = ""
        self.num = 0

    def item(self, paragraph: Paragraph, text: str) -> str:
        """Number the paragraph if the text is a list item; returns the text without its marker."""
        if FEATURES is None or not FEATURES.variant.auto_numbering:
            return text
        match = LIST_ITEM_RE.match(text)
        if not match:
            self.kind = ""
            return text
        marker = match.group(1)
        kind = "bullet" if marker in "-–•" else "decimal" + marker[-1]
        if kind != self.kind:
            self.kind, self.num = kind, FEATURES.new_num(kind)
        number_paragraph(paragraph, self.num)
        return text[match.end():]


def wrap_sdt(paragraphs: Sequence[Paragraph], alias: str, tag: str) -> None:
    """Move the paragraphs into one block-level content control (a template's form field)."""
    if FEATURES is None or not paragraphs:
        return
    sdt = OxmlElement("w:sdt")
    pr = OxmlElement("w:sdtPr")
    for name, value in (("w:alias", alias), ("w:tag", tag), ("w:id", str(FEATURES.new_id()))):
        element = OxmlElement(name)
        element.set(qn("w:val"), value)
        pr.append(element)
    content = OxmlElement("w:sdtContent")
    paragraphs[0]._p.addprevious(sdt)
    for paragraph in paragraphs:
        content.append(paragraph._p)
    sdt.append(pr)
    sdt.append(content)


def add_marked_text(paragraph: Paragraph, text: str, bold: bool) -> None:
    """add_text for a text with markup: tracked insertions/deletions and footnote references."""
    tracked = FEATURES is not None and FEATURES.variant.tracked_changes
    authors = [a.strip() for a in (FEATURES.variant.tracked_changes if tracked else "").split(";")]
    stamp = f"{FEATURES.reply.date - dt.timedelta(days=3):%Y-%m-%d}T16:20:00Z" if FEATURES else ""
    pos = 0
    for match in MARKUP_RE.finditer(text):
        if match.start() > pos:
            add_text(paragraph, text[pos:match.start()], bold)
        inserted, deleted, note = match.groups()
        if inserted is not None and not tracked:
            add_text(paragraph, inserted, bold)
        elif inserted is not None or (deleted is not None and tracked):
            assert FEATURES is not None
            wrapper = OxmlElement("w:ins" if inserted is not None else "w:del")
            wrapper.set(qn("w:id"), str(FEATURES.new_id()))
            wrapper.set(qn("w:author"), authors[0] if inserted is not None else authors[-1])
            wrapper.set(qn("w:date"), stamp)
            run = paragraph.add_run()
            run.bold = bold or None
            element = OxmlElement("w:t" if inserted is not None else "w:delText")
            element.set(qn("xml:space"), "preserve")
            element.text = inserted if inserted is not None else deleted
            run._r.append(element)
            run._r.addprevious(wrapper)
            wrapper.append(run._r)
        elif note is not None and FEATURES is not None:
            FEATURES.footnotes.append(note)
            run = paragraph.add_run()
            rpr = run._r.get_or_add_rPr()
            valign = OxmlElement("w:vertAlign")
            valign.set(qn("w:val"), "superscript")
            rpr.append(valign)
            ref = OxmlElement("w:footnoteReference")
            ref.set(qn("w:id"), str(len(FEATURES.footnotes)))
            run._r.append(ref)
        pos = match.end()
    if pos < len(text):
        add_text(paragraph, text[pos:], bold)


def footnotes_xml(notes: Sequence[str]) -> bytes:
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    def esc(t: str) -> str:
        return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    parts = [
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>',
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>',
    ]
    for i, note in enumerate(notes, 1):
        parts.append(
            f'<w:footnote w:id="{i}"><w:p><w:pPr><w:spacing w:after="0"/></w:pPr>'
            f'<w:r><w:rPr><w:vertAlign w:val="superscript"/><w:sz w:val="18"/></w:rPr><w:footnoteRef/></w:r>'
            f'<w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:t xml:space="preserve"> {esc(note)}</w:t></w:r></w:p></w:footnote>'
        )
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:footnotes xmlns:w="{w}">'
            + "".join(parts) + "</w:footnotes>").encode()


def add_footnotes_part(doc: DocumentObject, notes: Sequence[str]) -> None:
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    part = Part(PackURI("/word/footnotes.xml"), FOOTNOTES_CT, footnotes_xml(notes), doc.part.package)
    doc.part.relate_to(part, RT.FOOTNOTES)


def letterhead_height(lines: str) -> int:
    """The letterhead box's height in points: 18 for its first line, 15 for each other one, a
    line too long for the box's 440 pt counted as the lines it wraps into (about 48 characters of
    the 12 pt bold first line, 80 of the 10 pt others). The box does not grow with its text: a
    line more than it was made for is cut off."""
    rows = [-(-len(line) // (48 if i == 0 else 80)) or 1 for i, line in enumerate(lines.split("\n"))]
    return 18 + 15 * (sum(rows) - 1)


def add_letterhead_box(doc: DocumentObject, lines: str) -> None:
    """The mission's letterhead in a (VML) text box anchored in the first paragraph."""
    from docx.oxml import parse_xml

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    def esc(t: str) -> str:
        return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    inner = "".join(
        f'<w:p><w:pPr><w:jc w:val="center"/><w:spacing w:after="0"/></w:pPr><w:r><w:rPr>'
        f'{"<w:b/>" if i == 0 else ""}<w:sz w:val="{20 if i else 24}"/></w:rPr>'
        f'<w:t xml:space="preserve">{esc(line)}</w:t></w:r></w:p>'
        for i, line in enumerate(lines.split("\n"))
    )
    run = parse_xml(
        f'<w:r xmlns:w="{w}" xmlns:v="urn:schemas-microsoft-com:vml" '
        f'xmlns:o="urn:schemas-microsoft-com:office:office"><w:pict>'
        f'<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
        f'<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
        f'<v:shape id="MissionLetterhead" o:spid="_x0000_s1025" type="#_x0000_t202" '
        f'style="width:440pt;height:{letterhead_height(lines)}pt" strokecolor="#1f3864" strokeweight="1pt">'
        f'<v:textbox><w:txbxContent>{inner}</w:txbxContent></v:textbox></v:shape></w:pict></w:r>'
    )
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph._p.append(run)


def add_text(paragraph: Paragraph, text: str, bold: bool = False) -> None:
    """Append text to a paragraph; newlines inside become line breaks."""
    if MARKUP_RE.search(text):
        add_marked_text(paragraph, text, bold)
        return
    for i, line in enumerate(text.split("\n")):
        run = paragraph.add_run()
        if i:
            run.add_break(WD_BREAK.LINE)
        run.add_text(line)
        run.bold = bold or None


def fill_cell(cell: _Cell, paragraphs: Sequence[str], bold: bool = False, lines: bool = False) -> None:
    """Write paragraphs into a cell (or, with lines, one paragraph of line-broken lines)."""
    texts = ["\n".join(paragraphs)] if lines else list(paragraphs)
    state = ListState()
    for i, text in enumerate(texts or [""]):
        paragraph = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(3)
        add_text(paragraph, text if lines else state.item(paragraph, text), bold)


def shade(cell: _Cell, fill: str = "D9D9D9") -> None:
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shd)


def add_heading(doc: DocumentObject, text: str, level: int, variant: Variant, kind: str = "") -> None:
    """A block heading: a Word heading style or a bold paragraph, depending on the reply; with
    auto_numbering a block heading gets its questionnaire number (I.-IV.) from Word's numbering."""
    if variant.heading_level:
        paragraph = doc.add_paragraph(text, style=f"Heading {variant.heading_level + level - 1}")
    else:
        paragraph = doc.add_paragraph()
        paragraph.paragraph_format.space_before = Pt(12 if level == 1 else 6)
        run = paragraph.add_run(text)
        run.bold = True
        run.italic = level > 1 or None
    if variant.auto_numbering and level == 1 and kind and FEATURES is not None:
        number_paragraph(paragraph, FEATURES.new_num("roman", KINDS.index(kind) + 1))


def new_document(reply: Reply, variant: Variant) -> DocumentObject:
    """An empty document with the reply's font, margins and fixed core properties."""
    doc = docx.Document()
    font, size = variant.font
    normal = doc.styles["Normal"]
    normal.font.name = font
    normal.font.size = Pt(size)
    for section in doc.sections:
        section.page_height, section.page_width = Cm(27.94), Cm(21.59)
        section.left_margin = section.right_margin = Cm(2.5)
        section.top_margin = section.bottom_margin = Cm(2.5)
    stamp = dt.datetime.combine(reply.date, dt.time(10, 0))
    props = doc.core_properties
    props.author = props.last_modified_by = TEXT[reply.language].author
    props.created = props.modified = props.last_printed = stamp
    props.title = TEXT[reply.language].title
    props.language = reply.language
    props.revision = 1
    props.comments = props.subject = props.keywords = props.category = ""
    return doc


def add_field(paragraph: Paragraph, instruction: str, shown: str) -> None:
    """A Word field (PAGE, NUMPAGES) with the value shown until the document is laid out."""

    def char(kind: str) -> None:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        paragraph.add_run()._r.append(element)

    char("begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    paragraph.add_run()._r.append(instr)
    char("separate")
    paragraph.add_run(shown)
    char("end")


def add_page_marks(doc: DocumentObject, reply: Reply, variant: Variant) -> None:
    """Running head (the variant's text) and a "Página N de M" footer on every page."""
    if not variant.running_head:
        return
    before, between = TEXT[reply.language].page_of
    for section in doc.sections:
        head = section.header.paragraphs[0]
        head.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        run = head.add_run(variant.running_head)
        run.italic = True
        run.font.size = Pt(9)
        foot = section.footer.paragraphs[0]
        foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
        foot.add_run(before)
        add_field(foot, "PAGE", "1")
        foot.add_run(between)
        add_field(foot, "NUMPAGES", "1")
        for run in foot.runs:
            run.font.size = Pt(9)


def add_intro(doc: DocumentObject, reply: Reply) -> None:
    """The mission's introductory paragraphs before the first block heading."""
    for paragraph in reply.intro:
        add_text(doc.add_paragraph(), paragraph)


def add_annex(doc: DocumentObject, reply: Reply, variant: Variant) -> None:
    """Matter after the last section: a heading like the reply's block headings, then paragraphs."""
    if not reply.annex_heading:
        return
    if reply.layout == "narrative":
        doc.add_heading(reply.annex_heading, level=variant.narrative_level)
    else:
        add_heading(doc, reply.annex_heading, 1, variant)
    for paragraph in reply.annex:
        add_text(doc.add_paragraph(), paragraph)


def add_front_matter(doc: DocumentObject, reply: Reply, variant: Variant) -> None:
    """Letterhead (some replies), document title and the cover note."""
    text = TEXT[reply.language]
    if variant.letterhead_box:
        add_letterhead_box(doc, variant.letterhead_box)
    if variant.letterhead:
        for line, bold in ((reply.as_written.upper(), True), (text.mission, False)):
            paragraph = doc.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            add_text(paragraph, line, bold)
    if variant.title_style:
        doc.add_paragraph(text.title, style="Title")
    else:
        paragraph = doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        add_text(paragraph, text.title, bold=True)
    for note in reply.cover_note:
        for part in paragraphs_of(note):
            add_text(doc.add_paragraph(), part)
    if variant.break_after_note:
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


# --------------------------------------------------------------------------------------------------
# Layouts
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    label: str
    paragraphs: tuple[str, ...]
    lines: bool = False
    merge_up: bool = False  # merged_labels: the label cell continues the one above
    comment: str = ""  # comments_column: the third cell
    key: str = ""  # the entry's key, for the content control's tag


def table_rows(entry: Entry, reply: Reply, variant: Variant) -> list[Row]:
    """Rows for one entry; continuation replies spill extra paragraphs and keep empty rows."""
    colon = TEXT[reply.language].colon if variant.label_colon else ""
    label = f"{entry.label}{colon}"
    if variant.merged_labels and len(entry.paragraphs) > 1:
        return [Row(label if i == 0 else "", (p,), merge_up=i > 0, key=entry.key)
                for i, p in enumerate(entry.paragraphs)]
    if variant.content_controls:
        return [Row(label, entry.paragraphs, entry.sublabels, key=entry.key)]
    if entry.sublabels or not variant.continuation_rows:
        return [Row(label, entry.paragraphs, entry.sublabels)]
    rows = [Row(label, entry.paragraphs[:1])]
    if len(entry.paragraphs) > 1:
        rows.append(Row("", entry.paragraphs[1:]))
    rows += [Row("", ())] * (EMPTY_ROWS_AFTER.get(entry.key, 0) - len(rows) + 1)
    return rows


def add_form_table(doc: DocumentObject, header: str, rows: Sequence[Row], variant: Variant) -> None:
    """The questionnaire's two-column table with a merged, shaded header row (a third "comments"
    column with its own header cell when the variant has one)."""
    three = bool(variant.comments_column)
    table = doc.add_table(rows=1, cols=3 if three else 2)
    table.style = "Table Grid"
    table.autofit = False
    merged = table.rows[0].cells[0].merge(table.rows[0].cells[1])
    fill_cell(merged, [header], bold=True)
    shade(merged)
    if three:
        fill_cell(table.rows[0].cells[2], [variant.comments_column], bold=True)
        shade(table.rows[0].cells[2])
    previous_label = None
    for row in rows:
        cells = table.add_row().cells
        label_cell, value_cell = cells[0], cells[1]
        if row.merge_up and previous_label is not None:
            previous_label = previous_label.merge(label_cell)
        else:
            fill_cell(label_cell, [row.label] if row.label else [], bold=variant.bold_labels)
            previous_label = label_cell
        fill_cell(value_cell, row.paragraphs, lines=row.lines)
        if variant.content_controls and row.paragraphs and not row.lines:
            wrap_sdt(value_cell.paragraphs, row.label.rstrip(" :"), row.key)
        if three:
            fill_cell(cells[2], [row.comment] if row.comment else [])
    widths = (Cm(4.5), Cm(8.5), Cm(3.5)) if three else (Cm(5.5), Cm(11.0))
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
        for cell in column.cells:
            cell.width = width


def render_table(doc: DocumentObject, reply: Reply, variant: Variant) -> None:
    text = TEXT[reply.language]
    for headings, section in headed_sections(reply, variant):
        for heading, level in headings:
            add_heading(doc, heading, level, variant, section.kind)
        rows = []
        for entry in entries_for(reply, section, True):
            entry_rows = table_rows(entry, reply, variant)
            comment = section.comments.get(entry.key.split(".", 1)[1], "")
            if comment:
                entry_rows[0] = dataclasses.replace(entry_rows[0], comment=comment)
            rows += entry_rows
        add_form_table(doc, text.nouns[section.kind].upper(), rows, variant)
        if variant.questionnaire_note:
            add_text(doc.add_paragraph(), text.note)
        else:
            doc.add_paragraph()


def split_label_text(label: str) -> str:
    """Break a label over two lines at the space nearest its middle."""
    spaces = [m.start() for m in re.finditer(" ", label)]
    if not spaces:
        return label
    cut = min(spaces, key=lambda i: abs(i - len(label) // 2))
    return label[:cut] + "\n" + label[cut + 1 :]


def split_target(reply: Reply) -> str:
    """The key of the entry whose label the split-label reply breaks: its longest label."""
    entries = [e for s in reply.sections for e in entries_for(reply, s, False) if not e.sublabels]
    return max(entries, key=lambda e: len(e.label)).key


def add_labeled(doc: DocumentObject, entry: Entry, reply: Reply, variant: Variant, mode: str) -> None:
    """Write one entry as paragraphs; mode is "inline", "detached" or "split"."""
    colon = TEXT[reply.language].colon
    label = split_label_text(entry.label) if mode == "split" else entry.label
    head = doc.add_paragraph()
    if variant.content_controls and not entry.sublabels:
        add_text(head, label + colon, variant.bold_labels)
        state = ListState()
        values = []
        for paragraph in entry.paragraphs:
            values.append(doc.add_paragraph())
            add_text(values[-1], state.item(values[-1], paragraph))
        wrap_sdt(values, entry.label, entry.key)
        return
    # A list that starts the answer under Word numbering begins on the line after its label, as
    # Word users write it: its first item on the label's line would keep its typed "1)" while Word
    # numbered the others from 1 again.
    list_first = variant.auto_numbering and bool(entry.paragraphs and LIST_ITEM_RE.match(entry.paragraphs[0]))
    if mode == "detached" or entry.sublabels or list_first:
        add_text(head, label if mode == "detached" else label + colon, variant.bold_labels)
        rest = entry.paragraphs
    else:
        add_text(head, label + colon, variant.bold_labels)
        add_text(head, " " + entry.paragraphs[0])
        rest = entry.paragraphs[1:]
    state = ListState()
    for paragraph in rest:
        new = doc.add_paragraph()
        add_text(new, state.item(new, paragraph))


def is_detached(reply: Reply, variant: Variant, index: int, entry: Entry) -> bool:
    """Whether this label stands alone (about one label in six of a "detached" reply)."""
    if not variant.detached_labels or entry.sublabels or entry.key.endswith(".member_state"):
        return False
    return digest("detached", reply.id, str(index), entry.key) % 6 == 0


def render_paragraph(doc: DocumentObject, reply: Reply, variant: Variant) -> None:
    target = split_target(reply) if variant.split_label else None
    for index, (headings, section) in enumerate(headed_sections(reply, variant)):
        for heading, level in headings:
            add_heading(doc, heading, level, variant, section.kind)
        for entry in entries_for(reply, section, False):
            mode = "detached" if is_detached(reply, variant, index, entry) else "inline"
            if entry.key == target:
                mode, target = "split", None
            add_labeled(doc, entry, reply, variant, mode)


def narrative_heading(reply: Reply, section: Section, variant: Variant) -> str:
    if section.heading:
        return section.heading
    if section.kind == "plan":
        return section.title
    separator = " – " if variant.dash_headings else TEXT[reply.language].colon + " "
    return f"{TEXT[reply.language].nouns[section.kind]}{separator}{section.title}"


def narrative_body(section: Section) -> tuple[str, ...]:
    """The paragraphs under a narrative heading: the body, or the field texts without labels."""
    if section.body:
        return tuple(p for text in section.body for p in paragraphs_of(text))
    repeats_heading = section.fields.get("name", "").strip() == section.title.strip()
    keys = [
        k for k in FIELD_KEYS[section.kind] if k in section.fields and not (k == "name" and repeats_heading)
    ]
    texts = [section.fields[k] for k in keys]
    return tuple(p for text in texts for p in paragraphs_of(text))


def render_narrative(doc: DocumentObject, reply: Reply, variant: Variant) -> None:
    for section in reply.sections:
        doc.add_heading(narrative_heading(reply, section, variant), level=variant.narrative_level)
        state = ListState()
        for paragraph in narrative_body(section):
            new = doc.add_paragraph()
            add_text(new, state.item(new, paragraph))


RENDERERS = {"table": render_table, "paragraph": render_paragraph, "narrative": render_narrative}


def document_parts(reply: Reply, variant: Variant) -> list[tuple[str, bytes]]:
    """(file name, docx bytes) of each document the reply is sent as; the main reply first.

    One document, except for ``attach`` ``plan_docx`` (the reply without its plan, then the plan as its
    own document) and ``split`` (the cover note alone, then the answers without the cover note)."""
    name = attachment_name(reply)
    text = TEXT[reply.language]
    if reply.attach == "plan_docx":
        plan = tuple(s for s in reply.sections if s.kind == "plan")
        rest = tuple(s for s in reply.sections if s.kind != "plan")
        plan_reply = dataclasses.replace(reply, sections=plan, cover_note=(), intro=(), annex=(), annex_heading="")
        return [
            (name, build_docx(dataclasses.replace(reply, sections=rest), variant)),
            (ascii_slug(plan[0].title) + ".docx", build_docx(plan_reply, variant)),
        ]
    if reply.attach == "split":
        return [
            (ascii_slug(text.letter.rsplit(".", 1)[0]) + ".docx", build_cover_docx(reply, variant)),
            (name, build_docx(dataclasses.replace(reply, cover_note=()), variant)),
        ]
    return [(name, build_docx(reply, variant))]


def build_cover_docx(reply: Reply, variant: Variant) -> bytes:
    """The mission's cover note alone as a .docx: letterhead lines, then the note's paragraphs."""
    doc = new_document(reply, variant)
    for line, bold in ((reply.as_written.upper(), True), (TEXT[reply.language].mission, False)):
        paragraph = doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        add_text(paragraph, line, bold)
    for note in reply.cover_note:
        for part in paragraphs_of(note):
            add_text(doc.add_paragraph(), part)
    buffer = io.BytesIO()
    doc.save(buffer)
    return restamp_zip(buffer.getvalue(), reply.date)


def docx_plain_text(docx_bytes: bytes) -> str:
    """The document's body paragraphs as plain text, one a line, a blank line between (as pasted)."""
    doc = docx.Document(io.BytesIO(docx_bytes))
    return "\n\n".join(p.text for p in doc.paragraphs if p.text.strip()) + "\n"


def build_docx(reply: Reply, variant: Variant) -> bytes:
    """The reply as .docx bytes, with zip entries stamped with the reply date."""
    global FEATURES
    doc = new_document(reply, variant)
    FEATURES = WordFeatures(doc, reply, variant)
    try:
        add_page_marks(doc, reply, variant)
        add_front_matter(doc, reply, variant)
        add_intro(doc, reply)
        RENDERERS[reply.layout](doc, reply, variant)
        add_annex(doc, reply, variant)
        if FEATURES.footnotes:
            add_footnotes_part(doc, FEATURES.footnotes)
    finally:
        FEATURES = None
    buffer = io.BytesIO()
    doc.save(buffer)
    return restamp_zip(buffer.getvalue(), reply.date)


# --------------------------------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------------------------------


def zip_entry(name: str, date: dt.date) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(date.year, date.month, date.day, 10, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def restamp_zip(data: bytes, date: dt.date) -> bytes:
    """Rewrite a zip (docx) so that every member carries the same fixed timestamp."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(zip_entry(name, date), source.read(name))
    return out.getvalue()


def soffice_convert(files: Sequence[Path], target: str, outdir: Path, profile: Path) -> None:
    """Convert files with headless LibreOffice into outdir (one batch, private user profile)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise SystemExit("soffice (LibreOffice) is required for pdf/doc/rtf/scan replies")
    command = [
        soffice,
        "--headless",
        f"-env:UserInstallation={profile.as_uri()}",
        "--convert-to",
        target,
        "--outdir",
        str(outdir),
        *map(str, files),
    ]
    timeout = SOFFICE_TIMEOUT + SOFFICE_TIMEOUT_PER_FILE * len(files)
    try:
        subprocess.run(command, check=True, timeout=timeout, capture_output=True)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        raise SystemExit(
            f"soffice --convert-to {target} failed: {exc}\n{(exc.stderr or b'').decode()}"
        ) from exc
    missing = [f.name for f in files if not (outdir / f"{f.stem}.{target}").exists()]
    if missing:
        raise SystemExit(f"soffice did not produce {target} for: {', '.join(missing)}")


def pdf_date(date: dt.date) -> str:
    return f"D:{date:%Y%m%d}100000Z"


def fix_pdf_metadata(path: Path, reply: Reply) -> None:
    """Give a LibreOffice PDF the reply's dates and author and a content-derived id."""
    import pikepdf  # only needed for PDF output

    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        if "/Metadata" in pdf.Root:
            del pdf.Root.Metadata
        for key in ("/DocChecksum", "/ID"):  # LibreOffice's change with every export
            if key in pdf.trailer:
                del pdf.trailer[key]
        info = pdf.docinfo
        info["/Title"] = TEXT[reply.language].title
        info["/Author"] = TEXT[reply.language].author
        info["/CreationDate"] = info["/ModDate"] = pdf_date(reply.date)
        pdf.save(path, deterministic_id=True)


def noisy_page(page: PILImage, rng: random.Random) -> PILImage:
    """A photocopier-like page: slightly rotated, blurred, noised (numpy optional), black and white."""
    from PIL import Image, ImageFilter

    image = page.convert("L").rotate(
        rng.uniform(-0.9, 0.9), resample=Image.Resampling.BILINEAR, fillcolor=255, expand=False
    )
    image = image.filter(ImageFilter.GaussianBlur(0.7))
    try:
        import numpy as np
    except ImportError:
        pass
    else:
        generator = np.random.default_rng(rng.getrandbits(32))
        pixels = np.asarray(image, dtype=np.int16) + generator.normal(0.0, 25.0, (image.height, image.width))
        pixels[generator.random(pixels.shape) < 0.0004] = 0  # toner specks
        image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="L")
    return image.point(lambda v: 255 if v > 150 else 0).convert("1", dither=Image.Dither.NONE)


def scan_pdf(pdf: Path, reply: Reply, target: Path, work: Path) -> None:
    """Rasterise a PDF and reassemble the noisy page images into an image-only PDF (CCITT G4)."""
    from PIL import Image

    prefix = work / f"{reply.id}-page"
    subprocess.run(
        ["pdftoppm", "-r", str(SCAN_DPI), "-gray", "-png", str(pdf), str(prefix)], check=True, timeout=300
    )
    rng = random.Random(digest("scan", reply.id))
    pages = [noisy_page(Image.open(p), rng) for p in sorted(work.glob(f"{reply.id}-page-*.png"))]
    stamp = time.strptime(f"{reply.date:%Y%m%d}100000", "%Y%m%d%H%M%S")
    pages[0].save(
        target,
        "PDF",
        save_all=True,
        append_images=pages[1:],
        resolution=float(SCAN_DPI),
        title=f"SCAN_{reply.date:%Y%m%d}",
        creator="Scanner",
        producer="Scanner",
        creationDate=stamp,
        modDate=stamp,
    )


def ascii_slug(text: str, separator: str = "_") -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", separator, plain).strip(separator)


def attachment_name(reply: Reply) -> str:
    return TEXT[reply.language].attachment.format(state=ascii_slug(reply.member_state)) + ".docx"


def cover_text(reply: Reply) -> str:
    return "\n\n".join(p for note in reply.cover_note for p in paragraphs_of(note)) + "\n"


def mission_address(reply: Reply) -> tuple[str, str]:
    """(local part, domain) of the mission's address."""
    if reply.sender:
        local, domain = reply.sender.split("@", 1)
        return local, domain
    slug = ascii_slug(reply.member_state, "").lower()
    return f"{TEXT[reply.language].mailbox}.{slug}", f"mission-{slug}.example"


def build_eml(reply: Reply, parts: Sequence[tuple[str, bytes]]) -> bytes:
    """The message as mailed: the mission's own, or DPS staff forwarding it (``attach`` forward)."""
    message = mission_message(reply, parts)
    if reply.attach != "forward":
        return message.as_bytes()
    outer = EmailMessage(policy=email.policy.default)
    outer["From"] = Address("Registro DPS", addr_spec=FORWARDER)
    outer["To"] = Address(addr_spec=DPS_ADDRESS)
    sent = dt.datetime.combine(reply.date + dt.timedelta(days=1), dt.time(9, 15), dt.timezone(dt.timedelta(hours=-4)))
    outer["Date"] = format_datetime(sent)
    outer["Subject"] = f"Fwd: {message['Subject']}"
    outer["Message-ID"] = f"<fwd.{reply.id}.{reply.date:%Y%m%d}@oas.org>"
    outer.set_content(FORWARD_NOTE[reply.language] + "\n")
    outer.add_attachment(message)
    outer.set_boundary(f"=_mispa_fwd_{digest('boundary-fwd', reply.id):016x}")
    return outer.as_bytes()


def mission_message(reply: Reply, parts: Sequence[tuple[str, bytes]]) -> EmailMessage:
    """An e-mail from the mission to DPS: cover note as body, the docx (or a zip holding it) attached."""
    text = TEXT[reply.language]
    local, domain = mission_address(reply)
    message = EmailMessage(policy=email.policy.default)
    message["From"] = Address(f"{text.author} – {reply.as_written}", local, domain)
    message["To"] = Address(addr_spec=DPS_ADDRESS)
    offset = dt.timezone(dt.timedelta(hours=-4 if 3 <= reply.date.month <= 10 else -5))
    message["Date"] = format_datetime(dt.datetime.combine(reply.date, dt.time(11, 30), offset))
    message["Subject"] = text.subject.format(state=reply.as_written)
    message["Message-ID"] = f"<{reply.id}.{reply.date:%Y%m%d}@{domain}>"
    if reply.attach == "body":  # the reply pasted into the message: its text, cover note included
        message.set_content(docx_plain_text(parts[0][1]))
    else:
        message.set_content(cover_text(reply))
    if reply.attach in ("zip", "split"):
        message.add_attachment(build_zip(reply, parts), maintype="application", subtype="zip",
                               filename=attachment_name(reply).replace(".docx", ".zip"))
    elif reply.attach != "body":
        for name, data in parts:
            message.add_attachment(
                data,
                maintype="application",
                subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
                filename=name,
            )
    message.set_boundary(f"=_mispa_{digest('boundary', reply.id):016x}")
    return message


def build_zip(reply: Reply, parts: Sequence[tuple[str, bytes]]) -> bytes:
    """A zip holding the docx and a short cover letter (``split``: the cover-note docx and the answers docx)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        if reply.attach == "split":
            for name, data in parts:
                archive.writestr(zip_entry(name, reply.date), data)
        else:
            archive.writestr(zip_entry(attachment_name(reply), reply.date), parts[0][1])
            letter = cover_text(reply).replace("\n", "\r\n").encode("utf-8")
            archive.writestr(zip_entry(TEXT[reply.language].letter, reply.date), letter)
    return out.getvalue()


def convert_all(replies: Sequence[Reply], docx_files: dict[str, Path], work: Path) -> dict[str, Path]:
    """Run LibreOffice once per target format; returns reply id -> converted file."""
    converted: dict[str, Path] = {}
    profile = work / "lo-profile"
    for target in sorted(set(SOFFICE_TARGET.values())):
        batch = [r for r in replies if SOFFICE_TARGET.get(r.format) == target]
        if not batch:
            continue
        outdir = work / target
        outdir.mkdir()
        soffice_convert([docx_files[r.id] for r in batch], target, outdir, profile)
        converted.update({r.id: outdir / f"{r.id}.{target}" for r in batch})
    return converted


def write_reply(reply: Reply, docx_file: Path, converted: dict[str, Path], out: Path, work: Path) -> Path:
    """Produce the final reply file in its format."""
    target = out / reply.filename
    docx_bytes = docx_file.read_bytes()
    parts = PARTS.get(reply.id) or [(attachment_name(reply), docx_bytes)]
    if reply.format == "docx":
        target.write_bytes(docx_bytes)
    elif reply.format == "pdf":
        shutil.copyfile(converted[reply.id], target)
        fix_pdf_metadata(target, reply)
    elif reply.format == "scan":
        scan_pdf(converted[reply.id], reply, target, work)
    elif reply.format in ("doc", "rtf"):
        shutil.copyfile(converted[reply.id], target)
    elif reply.format in ("eml", "mbox"):
        target.write_bytes(build_eml(reply, parts))
    else:
        target.write_bytes(build_zip(reply, parts))
    return target


PARTS: dict[str, list[tuple[str, bytes]]] = {}  # reply id -> its documents, for the attach modes that need several


def render(replies: Sequence[Reply], variants: dict[str, Variant], out: Path) -> list[Path]:
    """Render the replies into out; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="mispa-generate-") as tmp:
        work = Path(tmp)
        docx_files = {}
        for reply in replies:
            docx_files[reply.id] = work / f"{reply.id}.docx"
            if reply.attach in ATTACH_FORMATS:
                PARTS[reply.id] = document_parts(reply, variants[reply.id])
                docx_files[reply.id].write_bytes(PARTS[reply.id][-1][1])
            else:
                docx_files[reply.id].write_bytes(build_docx(reply, variants[reply.id]))
        converted = convert_all(replies, docx_files, work)
        for reply in replies:
            if reply.format != "mbox":
                written.append(write_reply(reply, docx_files[reply.id], converted, out, work))
        written += write_mailboxes([r for r in replies if r.format == "mbox"], docx_files, out)
    return written


def write_mailboxes(replies: Sequence[Reply], docx_files: dict[str, Path], out: Path) -> list[Path]:
    """One mbox per mailbox name, its messages in date order, "From " lines in the bodies quoted."""
    written = []
    for name in sorted({r.mailbox for r in replies if r.mailbox}):
        chunks = []
        for reply in sorted((r for r in replies if r.mailbox == name), key=lambda r: (r.date, r.id)):
            data = build_eml(reply, PARTS.get(reply.id) or [(attachment_name(reply), docx_files[reply.id].read_bytes())])
            sender = FORWARDER if reply.attach == "forward" else "@".join(mission_address(reply))
            stamp = dt.datetime.combine(reply.date, dt.time(11, 30))
            quoted = re.sub(rb"(?m)^(>*From )", rb">\1", data.replace(b"\r\n", b"\n"))
            chunks.append(f"From {sender} {stamp:%a %b %d %H:%M:%S %Y}\n".encode() + quoted.rstrip(b"\n") + b"\n\n")
        target = out / f"{name}.mbox"
        target.write_bytes(b"".join(chunks))
        written.append(target)
    return written


# --------------------------------------------------------------------------------------------------
# Gold
# --------------------------------------------------------------------------------------------------


def gold_records(reply: Reply, file: str) -> list[dict[str, Any]]:
    """One gold object per section (the plan included), in file order."""
    return [
        {
            "file": file,
            "source": reply.id,
            "split": reply.split,
            "language": reply.language,
            "layout": reply.layout,
            "format": reply.format,
            "member_state": reply.member_state,
            "kind": section.kind,
            "title": section.title,
            "declared_pillar": section.declared_pillar,
            "pillars": list(section.pillars),
            "themes": list(section.themes),
            "institution": dict(section.institution),
            "fields": {} if reply.layout == "narrative" else {k: clean_text(v) for k, v in section.fields.items()},
        }
        for section in sorted(reply.sections, key=lambda s: reply.attach == "plan_docx" and s.kind == "plan")
    ]


def write_gold(replies: Sequence[Reply], gold: Path, out: Path) -> int:
    """Write gold.jsonl sorted by file, then order in the file; returns the number of lines."""
    prefix = Path(os.path.relpath(out.resolve(), gold.resolve().parent))
    records = [r for reply in replies for r in gold_records(reply, (prefix / reply.filename).as_posix())]
    records.sort(key=lambda r: r["file"])  # stable: keeps the order inside a file
    gold.parent.mkdir(parents=True, exist_ok=True)
    gold.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return len(records)


def remove_stale(replies: Sequence[Reply], out: Path) -> list[Path]:
    """Delete reply files in out that no source produces (after a format change or a removed source)."""
    expected = {r.filename for r in replies}
    suffixes = {f".{ext}" for ext in EXTENSIONS.values()}
    stale = [p for p in sorted(out.iterdir()) if p.suffix in suffixes and p.name not in expected]
    for path in stale:
        path.unlink()
    return stale


def update_provenance(replies: Sequence[Reply], provenance: Path, out: Path) -> bool:
    """Rewrite the held-out list between the markers of PROVENANCE.md; True if the file changed."""
    if not provenance.exists():
        return False
    text = provenance.read_text(encoding="utf-8")
    prefix = Path(os.path.relpath(out.resolve(), provenance.resolve().parent)).as_posix()
    lines = [
        f"- `{prefix}/{r.filename}` – {r.member_state}, {r.language}, {r.layout} layout, {r.format} "
        f"({len(r.sections)} sections)"
        for r in replies
        if r.split == "heldout"
    ]
    block = "\n".join([HELDOUT_START, *(lines or ["- (none yet)"]), HELDOUT_END])
    pattern = re.compile(re.escape(HELDOUT_START) + ".*?" + re.escape(HELDOUT_END), re.DOTALL)
    updated = pattern.sub(lambda _: block, text)
    if updated == text:
        return False
    provenance.write_text(updated, encoding="utf-8")
    return True


# --------------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------------


def shown(path: Path) -> str:
    """A path for messages: relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--source", type=Path, default=HERE / "source", help="directory of <id>.json sources")
    parser.add_argument("--out", type=Path, default=HERE / "replies", help="directory for the reply files")
    parser.add_argument("--gold", type=Path, default=HERE / "gold.jsonl", help="gold labels (JSON lines)")
    parser.add_argument(
        "--provenance",
        type=Path,
        help="PROVENANCE.md whose held-out list is kept in sync (default: next to --gold)",
    )
    parser.add_argument("--only", nargs="+", metavar="ID", help="render only these replies")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    replies = load_sources(args.source)
    if not replies:
        raise SystemExit(f"no sources in {args.source}")
    known = {r.id for r in replies}
    unknown = sorted(set(args.only or ()) - known)
    if unknown:
        raise SystemExit(f"unknown id(s): {', '.join(unknown)}")
    mailboxes = {r.mailbox for r in replies if r.id in (args.only or ()) and r.mailbox}
    selected = [r for r in replies if not args.only or r.id in args.only or r.mailbox in mailboxes]
    variants_file = args.gold.parent / "variants.json"
    variants = pinned_variants(replies, variants_file)
    for path in render(selected, variants, args.out):
        print(f"wrote {shown(path)}")
    if write_variants(variants, variants_file):
        print(f"wrote {shown(variants_file)}")
    if not args.only:
        for path in remove_stale(replies, args.out):
            print(f"removed {shown(path)}")
    count = write_gold(replies, args.gold, args.out)
    print(f"wrote {shown(args.gold)} ({count} sections from {len(replies)} replies)")
    provenance = args.provenance or args.gold.parent / "PROVENANCE.md"
    if update_provenance(replies, provenance, args.out):
        print(f"wrote {shown(provenance)} (held-out list)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
