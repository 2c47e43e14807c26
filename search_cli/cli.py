"""The ``mispa`` command line. Each command parses options, makes one library call and renders.

Heavy libraries (spaCy, pdfplumber, python-docx) are imported inside the commands that need
them, so ``mispa search`` starts fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ingest.settings import Settings


EXPORT_COLUMNS = ("id", "kind", "title", "member_state", "language", "institution", "declared_pillar",
                  "pillars", "themes", "source_file", "pages", "year", "contact_person", "email")


class Context:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._catalog: Any = None

    @property
    def catalog(self) -> Any:
        if self._catalog is None:
            from ingest.catalog import Catalog
            from ingest.errors import CatalogError
            try:
                self._catalog = Catalog(self.settings.catalog_path)
            except CatalogError as exc:
                raise click.ClickException(str(exc)) from exc
        return self._catalog


class DataFileProblem(click.ClickException):
    """A mistake in a data file staff edit (ingest/data/, classify/taxonomy/): nothing can be done
    right until it is corrected, so the command stops, naming the file and line (exit status 2)."""

    exit_code = 2

    def __init__(self, message: str, folder: str) -> None:
        super().__init__(message)
        self.folder = folder

    def format_message(self) -> str:
        return (f"a data file cannot be read: {self.message}\n"
                f"  correct it in {self.folder}; nothing was changed")


# The module of search_cli that defines each command. A command's module is imported only when
# the command runs (or help lists it), so `mispa search` does not pay for the review, web, report
# and ingest commands' imports at start-up. tests/test_cli.py checks this table against the modules.
COMMAND_MODULES = {
    "backup": "commands_admin", "doctor": "commands_admin", "restore": "commands_admin",
    "classify": "commands_classify", "eval": "commands_classify",
    "export": "commands_catalog", "ingest": "commands_catalog", "status": "commands_catalog",
    "compendium": "commands_report", "report": "commands_report",
    "review": "commands_review",
    "reindex": "commands_search", "search": "commands_search", "show": "commands_search",
    "similar": "commands_search",
    "serve": "commands_web", "user": "commands_web",
}


class _Commands(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(COMMAND_MODULES))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            import importlib

            importlib.import_module(f"search_cli.{COMMAND_MODULES[cmd_name]}")
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            datafiles = sys.modules.get("ingest.datafiles")  # not loaded: the error is not one of its
            if datafiles is not None and isinstance(exc, datafiles.DataFileError):
                raise DataFileProblem(str(exc), exc.folder) from exc
            raise


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Data directory (catalog and index). Default: $MISPA_DATA_DIR or ./mispa-data")
@click.version_option(package_name="mispa")
@click.pass_context
def cli(ctx: click.Context, data_dir: Path | None) -> None:
    """mispa: ingest, tag and search Member States' replies to the MISPA questionnaire.

    Example:

        mispa ingest corpus/replies && mispa search "violencia doméstica"
    """
    try:
        ctx.obj = Context(Settings.resolve(data_dir))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


def main() -> None:
    # A file name with bytes that are not UTF-8 must print as \udcxx escapes, never as invalid UTF-8.
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    cli(prog_name="mispa")


def all_commands() -> dict[str, click.Command]:
    """Every command, each module imported (help, tests and documentation want them all)."""
    ctx = click.Context(cli)
    return {name: command for name in cli.list_commands(ctx)
            if (command := cli.get_command(ctx, name)) is not None}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
