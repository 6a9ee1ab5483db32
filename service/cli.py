"""The `breakgate` command (CONTRACT.md section 6). Thin: parses arguments, builds what it needs
through the composition root, prints. No traceback reaches the user for bad input."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from service.config import Settings

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="breakgate: career-break and time-credit filings over RabbitMQ.")
sender_app = typer.Typer(no_args_is_help=True, help="Provision senders (RabbitMQ users).")
dead_app = typer.Typer(no_args_is_help=True, help="Inspect and re-drive dead-lettered messages.")
app.add_typer(sender_app, name="sender")
app.add_typer(dead_app, name="dead")

err = Console(stderr=True)


def _today() -> date:
    from service.app.clock import SystemClock, processing_date

    return processing_date(SystemClock().now())


@app.command()
def check(
    files: Annotated[list[Path], typer.Argument(help="XML files to check")],
    as_json: Annotated[bool, typer.Option("--json", help="one JSON array on stdout")] = False,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="processing date for the date rules (YYYY-MM-DD); default today")] = None,
) -> None:
    """Validate files offline: XSD and every rule that needs no stored state."""
    from service.checking import FileChecker, exit_code

    settings = Settings()
    try:
        day = date.fromisoformat(as_of) if as_of else _today()
    except ValueError:
        err.print(f"[red]--as-of must be a date YYYY-MM-DD, got {as_of!r}[/red]")
        raise typer.Exit(2) from None
    checker = FileChecker(settings.max_message_bytes, settings.max_bulk_bytes, day)
    verdicts = [checker.check(path) for path in files]
    if as_json:
        json.dump([v.as_json() for v in verdicts], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for verdict in verdicts:
            typer.echo(_line(verdict))
    raise typer.Exit(exit_code(verdicts))


def _line(verdict: object) -> str:
    from service.checking import FileVerdict

    assert isinstance(verdict, FileVerdict)
    kind = verdict.message_type or "?"
    codes = " ".join(f"{a.code}({a.severity.value})" for a in verdict.anomalies)
    if verdict.status == "unusable":
        return f"{verdict.file}: unusable: {verdict.error}"
    if verdict.status == "accepted":
        return f"{verdict.file}: {kind}: accepted"
    if verdict.status == "warnings":
        return f"{verdict.file}: {kind}: accepted with warnings: {codes}"
    return f"{verdict.file}: {kind}: rejected: {codes}"


@app.command()
def migrate() -> None:
    """Bring the database schema to the latest version."""
    import asyncio

    from service.db.migrate import migrate as run_migrations

    settings = Settings()
    _ensure_sqlite_folder(settings.database_url)
    asyncio.run(run_migrations(settings.database_url))
    err.print(f"database at {_safe_url(settings.database_url)} is up to date")


def _ensure_sqlite_folder(url: str) -> None:
    """`sqlite+aiosqlite:///./var/breakgate.db`: create ./var so a fresh checkout just works."""
    marker = ":///"
    if url.startswith("sqlite") and marker in url:
        Path(url.split(marker, 1)[1]).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _safe_url(url: str) -> str:
    """Never print a password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
