"""The original file of a document, for download: the file itself, or a member taken again out of
the e-mail, mailbox or archive it came in.

A document read from a container is recorded with a locator, ``/in/inbox.mbox!/message-0002.eml!/
Reply.zip!/Reply.docx``: the container's path, then each member's display name. The member is
found by opening each container in turn with the ingest package's openers (same limits, members
written under generated names into a private temporary folder) and is handed out only when its
SHA-256 is the one recorded at ingest, so a container changed since then never yields another file.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ingest.containers import CONTAINER_FORMATS, Limits, opener_for
from ingest.errors import IngestError
from ingest.model import Format
from ingest.pipeline import sha256_file
from ingest.sniff import sniff_format
from ingest.sources import MEMBER_SEPARATOR


def outer_file(locator: str) -> Path | None:
    """The file on disk a document's locator starts from (the container itself), if it is there."""
    path = Path(locator.split(MEMBER_SEPARATOR, 1)[0]) if locator else None
    return path if path is not None and path.is_file() else None


def is_member(locator: str) -> bool:
    return MEMBER_SEPARATOR in (locator or "")


@contextmanager
def original_file(locator: str, sha256: str) -> Iterator[Path | None]:
    """The document's original file (None when it cannot be had back), valid inside the ``with``."""
    outer = outer_file(locator)
    if outer is None:
        yield None
        return
    names = locator.split(MEMBER_SEPARATOR)[1:]
    with tempfile.TemporaryDirectory(prefix="mispa-original-") as tmp:
        try:
            found = _extract(outer, names, Path(tmp)) if names else outer
            yield found if found is not None and sha256_file(found) == sha256 else None
        except (IngestError, OSError):
            yield None


def _extract(path: Path, names: list[str], workdir: Path) -> Path | None:
    """Follow ``names`` down the nested containers starting at ``path``."""
    fmt: Format | None = None
    for depth, name in enumerate(names):
        fmt = fmt or sniff_format(path)
        if fmt not in CONTAINER_FORMATS:
            return None
        folder = workdir / str(depth)
        folder.mkdir()
        container = opener_for(fmt)(path, folder, Limits())
        member = next((m for m in container.members if m.name == name and m.path is not None), None)
        if member is None or member.path is None:
            return None
        path, fmt = member.path, member.format
    return path
