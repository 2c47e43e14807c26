"""Settings of the web interface, built once by ``mispa serve`` (or a test) and passed to create_app."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

SECRET_FILE = "web-secret.key"


@dataclass(frozen=True, slots=True)
class WebConfig:
    """``require_login``: searching and reading need sign-in too (reviewing and uploading always do).
    ``max_upload_mb``: the largest upload (all files of one form together).
    ``secret_key``: signs the session cookies; empty means the key kept in the data directory.
    ``secure_cookies``: the session cookie is sent over HTTPS only (the site is served through an
    HTTPS proxy); off by default, since plain http on this computer would then lose sign-ins."""

    require_login: bool = False
    max_upload_mb: int = 50
    page_size: int = 10
    queue_page_size: int = 50
    secret_key: str = ""
    login_attempts: int = 5  # failed sign-ins per name within ``lockout_seconds`` before a pause
    lockout_seconds: int = 300
    secure_cookies: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.max_upload_mb <= 4096:
            raise ValueError(f"max_upload_mb must be 1..4096, not {self.max_upload_mb}")
        if not 1 <= self.page_size <= 100 or not 1 <= self.queue_page_size <= 500:
            raise ValueError("page sizes must be 1..100 (search) and 1..500 (queue)")
        if self.secret_key and len(self.secret_key) < 16:
            raise ValueError("secret_key must have at least 16 characters")

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024


def load_secret(data_dir: Path) -> str:
    """The session-signing key kept in ``DATA_DIR/web-secret.key`` (created, mode 0600, on first use),
    so sign-ins survive a restart and every worker of one data directory agrees."""
    path = Path(data_dir) / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secrets.token_hex(32) + "\n")
    return path.read_text(encoding="ascii").strip()
