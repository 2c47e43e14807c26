"""Where mispa keeps its data. Built once by the CLI and passed down; nothing reads the environment on import."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = "mispa-data"


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path

    def __post_init__(self) -> None:
        if self.data_dir.exists() and not self.data_dir.is_dir():
            raise ValueError(f"data directory {self.data_dir} is a file")

    @classmethod
    def resolve(cls, data_dir: str | os.PathLike[str] | None, env: dict[str, str] | None = None) -> Settings:
        """--data-dir, else $MISPA_DATA_DIR, else ./mispa-data."""
        env = dict(os.environ) if env is None else env
        chosen = data_dir or env.get("MISPA_DATA_DIR") or DEFAULT_DATA_DIR
        return cls(Path(chosen).expanduser())

    @property
    def catalog_path(self) -> Path:
        return self.data_dir / "catalog.sqlite"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"
