"""Legacy and other office formats (.doc, .rtf, .odt) converted to DOCX with headless LibreOffice.

The file is copied under a generated name into a private temporary directory (its own name never
reaches the command line), converted with ``soffice --headless --convert-to docx`` using a
private user profile (so a desktop LibreOffice that is running, or another conversion, does not
interfere) and a time limit (the whole process group is killed when it is exceeded), then read by
the DOCX reader. The document keeps the original's path, format and checksum: the pipeline hashes
the original file, not the conversion.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

from .errors import CorruptDocument, IngestError, NeedsConverter
from .model import ExtractedDocument, Format, Status

TIMEOUT_SECONDS = 120
INSTALL_HINT = "apt-get install libreoffice-writer-nogui"


class ConversionTimedOut(IngestError):
    """LibreOffice did not finish converting the file in time"""

    status = Status.TIMED_OUT


def soffice() -> str | None:
    """The LibreOffice executable on PATH, if any."""
    return shutil.which("soffice") or shutil.which("libreoffice")


@lru_cache(maxsize=1)
def _profile_dir() -> Path:
    """One private LibreOffice profile per process (created on first use, removed at exit)."""
    path = Path(tempfile.mkdtemp(prefix="mispa-lo-profile-"))
    atexit.register(shutil.rmtree, path, True)
    return path


def convert_to_docx(path: Path, fmt: Format, timeout: float = TIMEOUT_SECONDS) -> ExtractedDocument:
    """Convert ``path`` with LibreOffice and read the result as DOCX, as if it were the original."""
    from .readers import docx

    executable = soffice()
    if executable is None:
        raise NeedsConverter(f"{fmt.value} file: needs LibreOffice ({INSTALL_HINT})")
    with tempfile.TemporaryDirectory(prefix="mispa-convert-") as tmp:
        work = Path(tmp)
        source = work / f"input.{fmt.value}"
        shutil.copyfile(path, source)
        _run(executable, source, work / "out", timeout)
        converted = work / "out" / "input.docx"
        if not converted.exists() or converted.stat().st_size == 0:
            raise CorruptDocument(f"LibreOffice could not convert this {fmt.value} file (damaged?)")
        doc = docx.read(converted)
    metadata = {**doc.metadata, "converted_from": fmt.value}
    return ExtractedDocument(
        path=str(path), format=fmt, blocks=doc.blocks, page_count=doc.page_count, metadata=metadata
    )


def _run(executable: str, source: Path, outdir: Path, timeout: float) -> None:
    command = [
        executable,
        "--headless",
        "--norestore",
        "--nolockcheck",
        f"-env:UserInstallation={_profile_dir().as_uri()}",
        "--convert-to",
        "docx:MS Word 2007 XML",
        "--outdir",
        str(outdir),
        str(source),
    ]
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        _kill_group(process)
        raise ConversionTimedOut(f"LibreOffice took more than {timeout:.0f} s to convert it") from exc


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill the conversion and every process it started (soffice forks soffice.bin)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
    process.wait()
