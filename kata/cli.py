"""The `kata` command: run the bot, migrate the database, check content, Discord invites.

`kata run` brings the database to the latest schema before it starts (pass `--no-migrate`
to have it stop with a message instead): a bot that a newcomer starts must just work, and a
team that deploys with a separate migration step can opt out.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from bot.content import ContentInvalid, load_content
from bot.db import shown_url, without_password
from bot.plurals import plural
from bot.settings import Settings

HELP = """\
Design Kata: daily ML system design practice for teams, in Slack, Discord or a terminal.

  kata run                   start the bot (a console in this terminal when no platform is set)
  kata worker                post scheduled rounds only, beside `kata run` (PostgreSQL)
  kata migrate               bring the database to the latest schema
  kata content check         check the prompt bank and framework
  kata discord invite-url    print the link that adds the bot to a Discord server
  kata --version             print the version

`kata <command> --help` says more; README.md has a walkthrough.
"""

RUN_HELP = """\
Starts every platform whose settings are complete, in one process. With no platform
configured it opens the console instead: a chat in this terminal, on the same database
(--console forces it). A platform only partly configured stops start-up and names what is
missing.

settings, from the environment or a .env file in the working folder:
  DATABASE_URL          default sqlite:///kata.db; for a team, postgresql://user:pass@host/db
  SLACK_BOT_TOKEN       Slack, with SLACK_APP_TOKEN (Socket Mode)
                        or SLACK_SIGNING_SECRET and PORT (HTTP mode, default port 3000)
  DISCORD_TOKEN         Discord (DISCORD_CLIENT_ID is only for `kata discord invite-url`)
  LOG_LEVEL             INFO by default; the console shows warnings only unless it is set
  WORKER_CONCURRENCY    scheduled posts run at once (default 32; DATABASE_POOL_SIZE 15)
  KATA_LOG_FORMAT       text (default) or json: one JSON object per log line
  PORT                  the HTTP server (default 3000): /healthz, /healthz/ready, /metrics,
                        and Slack's /slack/events in HTTP mode; HTTP_ENABLED=false turns it
                        off, HTTP_HOST picks the interface (default 0.0.0.0)
  DISCORD_SHARD_COUNT   gateway shards in total, with DISCORD_SHARD_IDS (e.g. 0,1) for the
                        ones this process runs; see adapters/discord/README.md
"""


def _version() -> str:
    try:
        return version("design-kata")
    except PackageNotFoundError:
        return "unknown (not installed)"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        print(HELP, end="")
        return 0
    parser = argparse.ArgumentParser(prog="kata", description="Design Kata chat bot")
    parser.add_argument("--version", action="version", version=f"kata {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser(
        "run",
        help="start the bot (console when no platform token is set)",
        description=RUN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("--console", action="store_true", help="use the terminal adapter")
    run.add_argument("--no-migrate", action="store_true", help="stop if the schema is behind")
    worker = sub.add_parser(
        "worker",
        help="post scheduled work only (no events): add these beside `kata run` on PostgreSQL",
    )
    worker.add_argument("--no-migrate", action="store_true", help="stop if the schema is behind")
    sub.add_parser("migrate", help="upgrade the database to the latest schema")
    content = sub.add_parser("content", help="content tools")
    content_sub = content.add_subparsers(dest="content_command", required=True)
    check = content_sub.add_parser("check", help="validate content/ and name every problem")
    check.add_argument("--dir", type=Path, default=None, help="content folder to check")
    discord = sub.add_parser("discord", help="Discord tools")
    discord_sub = discord.add_subparsers(dest="discord_command", required=True)
    invite = discord_sub.add_parser("invite-url", help="print the bot's OAuth2 invite link")
    invite.add_argument("--client-id", default=None, help="application id (or DISCORD_CLIENT_ID)")

    args = parser.parse_args(argv)
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if settings.kata_log_format.lower() == "json":
        from kata.log_format import JsonLines

        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonLines())
    for noisy in ("alembic", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    if args.command == "content":
        return _check_content(args.dir or settings.content_dir)
    if args.command == "migrate":
        return _migrate(settings)
    if args.command == "discord":
        return _invite(args.client_id or settings.discord_client_id)
    if args.command == "worker":
        return _run(settings, console=False, migrate=not args.no_migrate, listen=False)
    return _run(settings, console=args.console, migrate=not args.no_migrate)


def _check_content(folder: Path) -> int:
    try:
        content = load_content(folder)
    except ContentInvalid as exc:
        print(f"{plural(len(exc.errors), 'problem')} in {folder}:", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    print(f"content OK: {len(content.stages)} stages, {len(content.prompts)} prompts")
    return 0


def _migrate(settings: Settings) -> int:
    from bot.migrate import revisions, upgrade

    url = settings.database_url
    try:
        before, head = revisions(url)
        if before != head:
            upgrade(url)
    except Exception as exc:
        print(f"Migration failed for {shown_url(url)}: {_error(exc, url)}", file=sys.stderr)
        return 1
    if before == head:
        print(f"Database {shown_url(url)}: already at the latest schema ({head})")
    else:
        print(f"Database {shown_url(url)}: upgraded from {before or 'an empty database'} to {head}")
    return 0


def _error(exc: Exception, database_url: str) -> str:
    """One line about a database failure, safe to print and log."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return without_password(text, database_url)


def _invite(client_id: str | None) -> int:
    if not client_id:
        print(
            "Give the application id: kata discord invite-url --client-id 1234 "
            "(or set DISCORD_CLIENT_ID). It is on the Developer Portal's General Information page.",
            file=sys.stderr,
        )
        return 2
    from adapters.discord.invite import invite_url

    try:
        print(invite_url(client_id))
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    return 0


def _run(settings: Settings, console: bool, migrate: bool, listen: bool = True) -> int:
    if not listen and not (settings.slack_configured or settings.discord_configured):
        print(
            "Cannot start a worker: it posts through Slack or Discord, and neither is "
            "configured. (The console runs its own work: `kata run`.)",
            file=sys.stderr,
        )
        return 2
    incomplete = [] if console else settings.incomplete_platforms()
    if incomplete:
        for problem in incomplete:
            print(f"Cannot start: {problem}.", file=sys.stderr)
        print("(`kata run --console` opens the terminal chat instead.)", file=sys.stderr)
        return 2
    if _check_content(settings.content_dir) != 0:
        return 1
    from bot.migrate import revisions, upgrade

    try:
        if migrate:
            upgrade(settings.database_url)
        else:
            current, head = revisions(settings.database_url)
            if current != head:
                print(
                    f"The database schema is at {current or 'nothing'}, the code needs {head}. "
                    "Run: kata migrate",
                    file=sys.stderr,
                )
                return 1
    except Exception as exc:
        url = settings.database_url
        print(f"Cannot use the database at {shown_url(url)}: {_error(exc, url)}", file=sys.stderr)
        return 1
    use_console = console or not (settings.slack_configured or settings.discord_configured)
    if use_console and "log_level" not in settings.model_fields_set:
        logging.getLogger().setLevel(logging.WARNING)  # keep the terminal for the chat
    from kata.app import serve

    try:
        return asyncio.run(serve(settings, use_console, listen=listen))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
