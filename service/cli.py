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


@app.command()
def serve() -> None:
    """Run the consumers and the outbox relay until SIGTERM or SIGINT, then drain."""
    import asyncio

    from service.observability.logging import configure_logging

    settings = Settings()
    configure_logging(settings.log_level, settings.log_json)
    _ensure_sqlite_folder(settings.database_url)
    try:
        asyncio.run(_serve(settings))
    except ConnectionError as error:
        err.print(f"[red]cannot reach RabbitMQ at {_safe_amqp(settings.amqp_url)}: {error}[/red]")
        err.print("start it with: rabbitmq-server -detached")
        raise typer.Exit(1) from None


async def _serve(settings: Settings) -> None:
    import asyncio
    import signal

    from service.bootstrap import Service
    from service.db.migrate import migrate as run_migrations

    if settings.database_url.startswith("sqlite"):
        await run_migrations(settings.database_url)  # embedded default: always up to date
    service = Service(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await service.start()
    try:
        await stop.wait()
    finally:
        await service.stop()


def _safe_amqp(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    return f"{parts.scheme}://{parts.username or ''}@{host}:{parts.port or 5672}{parts.path}"


@sender_app.command("add")
def sender_add(
    user: Annotated[str, typer.Argument(help="RabbitMQ user name of the sender")],
    authority: Annotated[bool, typer.Option(help="the authority-side user")] = False,
    password: Annotated[str | None, typer.Option(help="else one is generated")] = None,
    number: Annotated[int | None, typer.Option(help="6-digit sender number")] = None,
) -> None:
    """Provision a sender: RabbitMQ user and permissions, exchange, bindings, reply queue."""
    import asyncio

    from service.admin import add_sender
    from service.db.senders import SenderNumberTaken
    from service.provisioning import ProvisioningError

    settings = Settings()
    _ensure_sqlite_folder(settings.database_url)
    try:
        added = asyncio.run(add_sender(settings, user, authority=authority, password=password,
                                       number=number))
    except (ProvisioningError, SenderNumberTaken, ValueError) as error:
        err.print(f"[red]cannot add sender {user!r}: {error}[/red]")
        raise typer.Exit(1) from None
    except ConnectionError as error:
        err.print(f"[red]cannot reach RabbitMQ at {_safe_amqp(settings.amqp_url)}: {error}[/red]")
        raise typer.Exit(1) from None
    role = "authority user" if added.authority else f"sender number {added.number}"
    typer.echo(f"user: {added.user}\n{role}\nvhost: {added.vhost}\npassword: {added.password}")
    err.print("the password is shown once; store it now")


@app.command()
def send(
    files: Annotated[list[Path], typer.Argument(help="XML messages to send")],
    user: Annotated[str, typer.Option(envvar="BREAKGATE_SENDER_USER", help="sender user")],
    password: Annotated[str, typer.Option(envvar="BREAKGATE_SENDER_PASSWORD",
                                          help="sender password")],
    journal: Annotated[Path, typer.Option(help="resume journal")] = Path(".breakgate-send.jsonl"),
    timeout: Annotated[float, typer.Option(help="seconds to wait for the replies")] = 60.0,
    bulk_timeout: Annotated[float, typer.Option(
        help="bulk files: seconds to wait for each receipt and for the result")] = 3600.0,
    part_bytes: Annotated[int | None, typer.Option(
        help="bulk files: split into parts of at most this size (default: the bulk limit)")
    ] = None,
) -> None:
    """Publish messages or bulk files as a sender, wait for the replies, print a summary.
    Resumable. A bulk file larger than the limit is sent in parts; its results are written
    next to it (<file>.result.xml, <file>.result.csv)."""
    import asyncio

    from rich.progress import Progress

    from service.client.send import Journal, send_files

    settings = Settings()
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        err.print(f"[red]cannot read: {', '.join(missing)}[/red]")
        raise typer.Exit(2)
    url = _with_user(settings.amqp_url, user, password)
    bulk_failed, files = _send_bulk(url, user, files, journal, bulk_timeout,
                                    part_bytes or settings.max_bulk_bytes)
    if not files:
        raise typer.Exit(1 if bulk_failed else 0)
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("replies", total=len(files))
        try:
            results = asyncio.run(send_files(
                url, user, files, Journal(journal), timeout=timeout,
                on_progress=lambda done, total: progress.update(task, completed=done)))
        except ConnectionError as error:
            err.print(f"[red]cannot reach RabbitMQ as {user}: {error}[/red]")
            raise typer.Exit(2) from None
    for r in results:
        outcome = r.error or (f"{r.reply_type} {r.ticket or ''} {' '.join(r.codes)}").strip()
        typer.echo(f"{r.file}: {outcome}")
    rejected = sum(r.rejected for r in results)
    err.print(f"{len(results)} sent, {len(results) - rejected} answered without refusal, "
              f"{rejected} refused or failed")
    raise typer.Exit(1 if rejected or bulk_failed else 0)


def _send_bulk(url: str, user: str, files: list[Path], journal: Path, timeout: float,
               max_bytes: int) -> tuple[bool, list[Path]]:
    """Sends the bulk files among `files`; returns (any refused, the other files)."""
    from service.client.bulk_cli import send_bulk_files
    from service.client.bulk_parts import is_bulk_file

    bulk = [p for p in files if is_bulk_file(p)]
    if not bulk:
        return False, files
    try:
        failed = send_bulk_files(url, user, bulk, journal, max_bytes=max_bytes,
                                 timeout=timeout, out=Console(), err=err)
    except ConnectionError as error:
        err.print(f"[red]cannot reach RabbitMQ as {user}: {error}[/red]")
        raise typer.Exit(2) from None
    return failed, [p for p in files if p not in bulk]


def _with_user(url: str, user: str, password: str) -> str:
    from urllib.parse import quote, urlsplit, urlunsplit

    parts = urlsplit(url)
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{parts.hostname or 'localhost'}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


@app.command()
def demo() -> None:
    """Set up a demo employer, mandate and personnel file, send submissions, print tickets.
    Needs `breakgate serve` running against the same broker and database."""
    import asyncio

    from service.demo import BrokerUnreachable, run_demo

    settings = Settings()
    _ensure_sqlite_folder(settings.database_url)
    try:
        outcome = asyncio.run(run_demo(settings, _today(), say=err.print))
    except BrokerUnreachable as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None
    except TimeoutError as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None
    for result in outcome.results:
        if result.ticket:
            typer.echo(f"{Path(result.file).name}: ticket {result.ticket}")
        else:
            typer.echo(f"{Path(result.file).name}: {result.reply_type or result.error} "
                       f"{' '.join(result.codes)}")
    raise typer.Exit(0 if all(r.ticket for r in outcome.results) else 1)



@dead_app.command("list")
def dead_list(
    as_json: Annotated[bool, typer.Option("--json", help="one JSON array on stdout")] = False,
) -> None:
    """Show the dead-lettered messages: id, fault headers, original route, size (no body)."""
    import asyncio

    from service.dead_letters import list_dead

    settings = Settings()
    try:
        letters = asyncio.run(list_dead(settings))
    except ConnectionError as error:
        err.print(f"[red]cannot reach RabbitMQ at {_safe_amqp(settings.amqp_url)}: {error}[/red]")
        raise typer.Exit(2) from None
    if as_json:
        json.dump([letter.as_json() for letter in letters], sys.stdout, ensure_ascii=False,
                  indent=2)
        sys.stdout.write("\n")
        return
    for letter in letters:
        route = f"{letter.original_exchange or '(default)'}/{letter.original_routing_key or '-'}"
        typer.echo(
            f"{letter.id}  {letter.failed_at or '-'}  {letter.error_code or letter.reason or '-'}"
            f"  {letter.exception_type or '-'}  queue={letter.original_queue or '-'}"
            f"  route={route}  attempts={letter.attempts if letter.attempts is not None else '-'}"
            f"  size={letter.size}  message_id={letter.message_id or '-'}"
            f"  error={(letter.error_message or '-')[:120]!r}")
    err.print(f"{len(letters)} dead-lettered message(s)")


@dead_app.command("retry")
def dead_retry(ids: Annotated[list[str], typer.Argument(help="ids shown by `dead list`")]) -> None:
    """Re-publish to the original exchange and routing key, then remove from breakgate.dead."""
    _dead_action("retry", ids)


@dead_app.command("discard")
def dead_discard(ids: Annotated[list[str], typer.Argument(help="ids shown by `dead list`")]
                 ) -> None:
    """Remove dead-lettered messages for good (recorded in the audit file)."""
    _dead_action("discard", ids)


def _dead_action(action: str, ids: list[str]) -> None:
    import asyncio

    from service import dead_letters

    settings = Settings()
    run = dead_letters.retry if action == "retry" else dead_letters.discard
    try:
        done = asyncio.run(run(settings, ids))
    except dead_letters.DeadLetterError as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None
    except ConnectionError as error:
        err.print(f"[red]cannot reach RabbitMQ at {_safe_amqp(settings.amqp_url)}: {error}[/red]")
        raise typer.Exit(2) from None
    for item in done:
        typer.echo(f"{item.id}: {'ok' if item.ok else 'FAILED'}: {item.detail}")
    err.print(f"recorded in {settings.dead_letter_audit_path}")
    raise typer.Exit(0 if all(item.ok for item in done) else 1)

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
