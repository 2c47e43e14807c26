"""Bulk import of a season's mailbox: N generated messages in one .mbox, ingested by `mispa ingest`.

The messages imitate what a Permanent Mission mails: a cover note and a reply attached as .docx,
sometimes zipped with a cover letter, forwarded inside another message, sent twice (a duplicate),
with a signature image (unsupported), an empty file, a legacy .doc or a zip bomb. The mailbox is
built in a temporary directory (nothing is committed), ingested through the CLI under a pseudo
terminal so that the progress bar is drawn, and `mispa status --format json` is checked to account
for every message and attachment. Prints the figures.

    .venv/bin/python bench/mbox_ingest.py [--messages 300] [--keep DIR]
"""

from __future__ import annotations

import argparse
import email.policy
import io
import json
import mailbox
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)
CORPUS = ROOT / "corpus" / "replies"
MISPA = Path(sys.executable).parent / "mispa"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def distinct_docx(source: Path, i: int) -> bytes:
    import docx

    d = docx.Document(str(source))
    d.add_paragraph(f"Referencia interna {i:04d}.")
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def new_message(i: int, sender: str) -> EmailMessage:
    m = EmailMessage(policy=email.policy.default)
    m["From"], m["To"] = sender, "dps@oas.org"
    m["Subject"] = f"Respuesta al cuestionario DPS ({i:04d})"
    m["Date"] = f"Mon, {1 + i % 28:02d} Mar 2017 10:{i % 60:02d}:00 -0400"
    m.set_content(f"Nota {i:04d}: la Misión Permanente remite la respuesta al cuestionario.\n")
    return m


def build(n: int, target: Path) -> Counter[str]:
    """Write the mailbox; returns the outcomes expected for its attachments and archive members."""
    sources = sorted(CORPUS.glob("*.docx"))
    senders = ["mision@rree.go.cr", "mission@foreign.gov.jm", "missao@itamaraty.gov.br", "mision@sre.gob.mx"]
    expected: Counter[str] = Counter()
    box = mailbox.mbox(str(target))
    previous = b""
    for i in range(n):
        m = new_message(i, senders[i % len(senders)])
        reply = distinct_docx(sources[i % len(sources)], i)
        kind = i % 6
        if kind == 2:  # a zip holding the reply and a cover letter
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("respuesta.docx", reply)
                z.writestr("nota.txt", "Nota de remisión.")
                if i % 100 == 2:
                    z.writestr("bomba.docx", b"\0" * (16 * 2**20))
                    expected["archive members:too_complex"] += 1
            m.add_attachment(
                buf.getvalue(), maintype="application", subtype="zip", filename=f"anexos-{i}.zip"
            )
            expected["attachments:too_complex" if i % 100 == 2 else "attachments:ok"] += 1
            expected["archive members:ok"] += 2
        elif kind == 4:  # forwarded by DPS staff: the mission's message attached
            inner = new_message(i, senders[i % len(senders)])
            inner.add_attachment(
                reply, maintype="application", subtype=DOCX.split("/")[1], filename=f"r{i}.docx"
            )
            m.add_attachment(inner)
            expected["attachments:ok"] += 2  # the attached message, and its own attachment
        else:
            m.add_attachment(
                reply, maintype="application", subtype=DOCX.split("/")[1], filename=f"Respuesta {i}.docx"
            )
            expected["attachments:ok"] += 1
        if kind == 1 and previous:  # the same reply sent again
            m.add_attachment(
                previous, maintype="application", subtype=DOCX.split("/")[1], filename="reenvio.docx"
            )
            expected["attachments:duplicate"] += 1
        if kind == 3:  # a signature image sent as an attachment
            m.add_attachment(
                b"\x89PNG\r\n\x1a\n" + bytes(64), maintype="image", subtype="png", filename="firma.png"
            )
            expected["attachments:unsupported"] += 1
        if i % 75 == 5:
            m.add_attachment(b"", maintype="application", subtype="octet-stream", filename="vacio.pdf")
            expected["attachments:empty"] += 1
        if i % 100 == 7:
            m.add_attachment(
                (CORPUS / "hnd-2014-tabledoc.doc").read_bytes(),
                maintype="application",
                subtype="msword",
                filename="respuesta.doc",
            )
            expected["attachments:ok" if i == 7 else "attachments:duplicate"] += 1
        previous = reply
        box.add(m)
    box.flush()
    box.close()
    expected["messages:ok"] = n
    return expected


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=300)
    ap.add_argument("--keep", type=Path, help="build and ingest in this directory and keep it")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="mispa-bench-mbox-"))
    work.mkdir(parents=True, exist_ok=True)
    inbox, data = work / "dps-inbox.mbox", work / "data"
    expected = build(args.messages, inbox)
    command = f"{MISPA} --data-dir {data} ingest {inbox} > {work / 'ingest.txt'}"
    start = time.perf_counter()
    # Under a pseudo terminal (util-linux `script`) stderr is a TTY, so the progress bar is drawn.
    tty = (
        ["script", "-qefc", command, str(work / "tty.txt")]
        if shutil.which("script")
        else ["sh", "-c", command]
    )
    done = subprocess.run(tty, stdin=subprocess.DEVNULL, capture_output=True)
    elapsed = time.perf_counter() - start
    status = json.loads(
        subprocess.run(
            [str(MISPA), "--data-dir", str(data), "status", "--format", "json"],
            capture_output=True,
            check=True,
        ).stdout
    )
    got = Counter(
        {f"{group}:{s}": n for group, counts in status["contents"].items() for s, n in counts.items()}
    )
    screen = (work / "tty.txt").read_text(errors="replace") if (work / "tty.txt").exists() else ""
    screen = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", screen).replace("\r", "\n")
    bar = [line for line in screen.splitlines() if "Ingesting" in line]
    print(
        f"mailbox: {args.messages} messages, {inbox.stat().st_size / 2**20:.1f} MiB;"
        f" ingest exit {done.returncode} in {elapsed:.1f} s ({args.messages / elapsed:.1f} messages/s)"
    )
    print(f"progress bar: {len(bar)} redraws, last: {bar[-1].strip() if bar else '(no tty)'}")
    print(f"sources: {status['sources']}")
    print(f"documents: {status['documents']}  sections: {sum(status['sections'].values())}")
    for key in sorted(set(expected) | set(got)):
        verdict = "ok" if expected[key] == got[key] else "MISMATCH"
        print(f"  {key:32} expected {expected[key]:5}  status {got[key]:5}  {verdict}")
    print(f"problems listed with a reason: {len(status['problems'])}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if expected == got else 1


if __name__ == "__main__":
    sys.exit(main())
