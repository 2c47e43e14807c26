"""E-mail: ``.eml`` (stdlib ``email``, policy ``default``), Outlook ``.msg`` (extract-msg), ``.mbox``.

A message is a source: its sender, date, subject and body (the cover note) are kept, and each
attachment is a member, ingested like a file (an attached message or zip is expanded in turn).
A message with no attachment whose text holds questionnaire answers (labelled lines) has that
text as its one member, read as plain text: the reply pasted into the message.
The body is the plain-text part, else the HTML part as text; other text parts without a file name
and small ``.txt`` attachments join the cover note; inline images referenced by the HTML body
(signature logos) are decoration, not attachments. A mailbox's members are its messages.
The member state is inferred from the sender's domain, else the subject, the sender's name or
the body (it is only used when the attached reply itself does not say).
"""

from __future__ import annotations

import dataclasses
import email
import email.errors
import email.header
import email.policy
import email.utils
import itertools
import mailbox
from collections.abc import Iterator
from email.message import EmailMessage, Message
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from .archive import MAX_NOTE_BYTES, decode_text
from .containers import Container, Limits, Member, SourceInfo, Spool, display_name
from .errors import CorruptDocument, TooComplex
from .labels import match_label
from .model import Format, Status
from .states import find_states, state_for_domain
from .text import clean, tidy

MAX_MIME_DEPTH = 50  # multiparts inside multiparts (attached messages are containers of their own)
_SENDER_STREAMS = ("__substg1.0_5D01", "__substg1.0_0C1F", "__substg1.0_0065")  # SMTP, sender, on behalf


def open_eml(path: Path, workdir: Path, limits: Limits) -> Container:
    """Open one RFC 822 message (.eml); refuses MIME parts nested deeper than MAX_MIME_DEPTH."""
    try:
        with open(path, "rb") as f:
            message = email.message_from_binary_file(f, policy=email.policy.default)
    except RecursionError as exc:
        raise TooComplex(f"MIME parts nested too deep to parse (limit {MAX_MIME_DEPTH})") from exc
    if not isinstance(message, EmailMessage) or not message.keys():
        raise CorruptDocument("not an e-mail message (no headers)")
    depth = _mime_depth(message)
    if depth > MAX_MIME_DEPTH:
        raise TooComplex(f"MIME parts nested {depth} deep, over the limit of {MAX_MIME_DEPTH}")
    return _message_container(message, workdir, limits)


def _mime_depth(message: Message) -> int:
    """How deep multiparts nest (walked with a stack: a hostile message must not exhaust recursion)."""
    deepest, stack = 0, [(message, 1)]
    while stack:
        part, depth = stack.pop()
        deepest = max(deepest, depth)
        payload = part.get_payload() if part.get_content_maintype() == "multipart" else None
        if isinstance(payload, list) and depth <= MAX_MIME_DEPTH:
            stack.extend((sub, depth + 1) for sub in payload if isinstance(sub, Message))
    return deepest


def open_mbox(path: Path, workdir: Path, limits: Limits) -> Container:
    """Open a mailbox; each message is written as a member ``.eml`` and expanded in turn."""
    try:
        box = mailbox.mbox(str(path), create=False)
        keys = list(box.iterkeys())
    except (OSError, mailbox.Error) as exc:
        raise CorruptDocument(f"unreadable mailbox ({type(exc).__name__})") from exc
    # A mailbox holds its messages as they are (no inflation): only the nesting depth limits it.
    unbounded = dataclasses.replace(limits, max_members=max(len(keys), 1), max_total_bytes=2**62)
    container = Container(SourceInfo(kind="mailbox"), iter(()))
    spool = Spool(workdir, unbounded, container)
    container.members = (
        spool.add(f"message-{n:04d}.eml", box.get_bytes(key), Format.EML)
        for n, key in enumerate(keys, start=1)
    )
    return container


def open_msg(path: Path, workdir: Path, limits: Limits) -> Container:
    """Open an Outlook .msg with extract-msg (embedded messages are exported as .msg members)."""
    import extract_msg  # heavy import kept local

    try:
        message: Any = extract_msg.openMsg(str(path))
    except Exception as exc:  # extract-msg raises many types for a damaged file
        raise CorruptDocument(f"not a readable Outlook message ({type(exc).__name__})") from exc
    if not hasattr(message, "attachments") or not hasattr(message, "subject"):
        message.close()
        raise CorruptDocument(f"an Outlook item that is not a message ({type(message).__name__})")
    body = _text_or_html(_safe(lambda: message.body), _safe(lambda: message.htmlBody))
    date = _safe(lambda: message.date)
    info = _source_info(
        _msg_sender(message),
        date.isoformat() if date else None,
        str(_safe(lambda: message.subject) or ""),
        body,
    )
    container = Container(info, iter(()))
    container.members = _iter_msg_attachments(message, Spool(workdir, limits, container))
    return container


def _iter_msg_attachments(message: Any, spool: Spool) -> Iterator[Member]:
    from extract_msg.enums import AttachmentType

    try:
        for n, att in enumerate(message.attachments, start=1):
            raw = _safe(att.getFilename) or att.longFilename or att.shortFilename
            name = display_name(raw, f"attachment-{n}")
            if att.type == AttachmentType.MSG:
                inner = att.data
                yield spool.add(_msg_name(name, inner), inner.exportBytes(), Format.MSG)
            elif isinstance(att.data, bytes):
                yield spool.add(name, att.data)
            else:
                yield spool.refuse(name, Status.UNSUPPORTED, f"Outlook attachment of type {att.type.name}")
    finally:
        message.close()


def _msg_sender(message: Any) -> str:
    """The sender as "Name <address>" (extract-msg gives the name alone when there is no transport header)."""
    sender = str(_safe(lambda: message.sender) or "")
    if "@" in sender:
        return sender
    for stream in _SENDER_STREAMS:
        address = _safe(lambda s=stream: message.getStringStream(s))
        if isinstance(address, str) and "@" in address:
            return f"{sender} <{address}>" if sender else address
    return sender


def _msg_name(name: str, inner: Any) -> str:
    if name.lower().endswith(".msg"):
        return name
    return display_name(f"{_safe(lambda: inner.subject) or 'attached message'}.msg")


def _message_container(message: EmailMessage, workdir: Path, limits: Limits) -> Container:
    body_part = _body_part(message)
    leaves = [p for p in _iter_leaves(message) if p is not body_part]
    files = [p for p in leaves if _is_attachment(p)]
    extra = [p for p in leaves if p not in files and p.get_content_type() == "text/plain"]
    notes = [p for p in files if _is_note(p)]
    body = "\n\n".join(filter(None, [_part_text(body_part), *(_part_text(p) for p in extra + notes)]))
    info = _source_info(_header(message, "From"), _date(message), _header(message, "Subject"), body)
    container = Container(info, iter(()))
    spool = Spool(workdir, limits, container)
    members = _iter_attachments(files, notes, spool)
    if len(files) == len(notes) and _reads_as_reply(body):  # no attachment but the reply typed in
        members = itertools.chain([spool.add("message-body.txt", body.encode(), Format.TEXT)], members)
    container.members = members
    return container


def _reads_as_reply(body: str) -> bool:
    """Whether a message's text holds the questionnaire's answers: two or more labelled lines."""
    return sum(match_label(line.strip(), alone_ok=False) is not None
               for line in body.splitlines() if line.strip()) >= _REPLY_LABELS


_REPLY_LABELS = 2


def _iter_attachments(parts: list[EmailMessage], notes: list[EmailMessage], spool: Spool) -> Iterator[Member]:
    for n, part in enumerate(parts, start=1):
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload(0) if part.is_multipart() else None
            if not isinstance(inner, Message):
                yield spool.refuse(_part_name(part, n), Status.CORRUPT, "empty attached message")
                continue
            subject = _header(inner, "Subject") or "attached message"
            name = display_name(part.get_filename() or f"{subject}.eml")
            try:
                data = inner.as_bytes(policy=email.policy.default)
            except Exception as exc:  # a malformed attached message: refused, others still come
                reason = f"unreadable attached message ({type(exc).__name__})"
                yield spool.refuse(name, Status.CORRUPT, reason)
                continue
            yield spool.add(name, data, Format.EML)
        elif part in notes:
            yield Member(
                _part_name(part, n), note=True, reason="plain-text attachment, kept as the message's note"
            )
        else:
            yield spool.add(_part_name(part, n), _payload(part))


def _iter_leaves(part: EmailMessage) -> Iterator[EmailMessage]:
    """Every non-multipart part, attached messages included as one part (not descended into)."""
    if part.get_content_maintype() == "multipart":
        for sub in part.iter_parts():
            yield from _iter_leaves(sub)  # type: ignore[arg-type]
    else:
        yield part


def _body_part(message: EmailMessage) -> EmailMessage | None:
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except (KeyError, LookupError, ValueError):
        return None
    if part is None or part.get_content_disposition() == "attachment" or part.get_filename():
        return None
    return part  # type: ignore[return-value]


def _is_attachment(part: EmailMessage) -> bool:
    if part.get_content_type() == "message/rfc822":
        return True
    if part.get_content_disposition() == "attachment" or part.get_filename():
        return True
    if part.get_content_maintype() == "text":
        return False  # an alternative or extra body part
    return not part.get("Content-ID")  # an inline image the HTML body shows is decoration


def _is_note(part: EmailMessage) -> bool:
    name = (part.get_filename() or "").lower()
    size = len(_payload(part))
    return part.get_content_type() == "text/plain" and name.endswith(".txt") and size <= MAX_NOTE_BYTES


def _payload(part: Message) -> bytes:
    """A part's decoded bytes (empty for a part without any)."""
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _part_name(part: EmailMessage, n: int) -> str:
    return display_name(part.get_filename(), f"attachment-{n}")


def _part_text(part: EmailMessage | None) -> str:
    if part is None:
        return ""
    data = _payload(part)
    charset = part.get_content_charset() or "utf-8"
    try:
        text = data.decode(charset, errors="replace")
    except LookupError:
        text = decode_text(data)
    return _text_or_html(text, None) if part.get_content_subtype() == "plain" else _text_or_html(None, text)


def _text_or_html(text: Any, html: Any) -> str:
    if isinstance(text, str) and text.strip():
        return tidy(text.replace("\r\n", "\n"))
    if isinstance(html, bytes):
        html = decode_text(html)
    if isinstance(html, str) and html.strip():
        stripper = _HTMLText()
        stripper.feed(html)
        return tidy("".join(stripper.parts))
    return ""


class _HTMLText(HTMLParser):
    """The visible text of an HTML body, with line breaks at block ends."""

    _BREAKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.skip += tag in ("style", "script", "head")
        if tag in self._BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        self.skip -= tag in ("style", "script", "head") and self.skip > 0
        if tag in self._BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def _header(message: Message, name: str) -> str:
    try:
        return clean(_encoded_words_joined(message, name) or str(message.get(name, "") or "")).strip()
    except Exception:  # a malformed header must not lose the message
        return ""


def _encoded_words_joined(message: Message, name: str) -> str | None:
    """The header decoded from its raw text, adjacent encoded words joined as RFC 2047 says (a
    mailer that folds "República de Panamá" into two words, "...Panam?=" and "=?utf-8?q?=C3=A1?=",
    reads "Panamá"; the stdlib's newer header parser puts a space in: "Panam á"). None when the
    header has no encoded word or does not decode."""
    raw = next((value for key, value in message.raw_items() if key.lower() == name.lower()), None)
    if not isinstance(raw, str) or "=?" not in raw:
        return None
    try:
        text = str(email.header.make_header(email.header.decode_header(raw)))
    except (ValueError, LookupError, UnicodeError, email.errors.HeaderParseError):
        return None
    return " ".join(text.split())


def _date(message: Message) -> str | None:
    raw = _header(message, "Date")
    try:
        return email.utils.parsedate_to_datetime(raw).isoformat() if raw else None
    except (TypeError, ValueError, IndexError):
        return None


def _safe(getter: Any) -> Any:
    try:
        return getter()
    except Exception:  # extract-msg raises on missing or damaged properties
        return None


def _source_info(sender: str, sent_at: str | None, subject: str, body: str) -> SourceInfo:
    name, address = email.utils.parseaddr(sender)
    state = (state_for_domain(address) if "@" in address else None) or next(
        (found[0] for found in (find_states(t) for t in (subject, name, body)) if found), None
    )
    return SourceInfo(
        kind="message", sender=clean(sender), sent_at=sent_at, subject=subject, body=body, member_state=state
    )
