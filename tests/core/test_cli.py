"""The `kata` command's answers to a newcomer's mistakes: a clear line, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT


def kata(*args: str, tmp: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    return subprocess.run(
        [sys.executable, "-m", "kata.cli", *args],
        capture_output=True,
        text=True,
        cwd=tmp,
        env={
            **base,
            "DATABASE_URL": f"sqlite:///{tmp / 'k.db'}",
            "PYTHONPATH": str(PROJECT_ROOT),
            **env,
        },
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_invite_url_carries_the_client_id_and_refuses_a_token(tmp_path: Path) -> None:
    ok = kata("discord", "invite-url", "--client-id", "123456789012345678", tmp=tmp_path)
    assert ok.returncode == 0
    assert "client_id=123456789012345678" in ok.stdout
    assert "applications.commands" in ok.stdout
    bad = kata("discord", "invite-url", "--client-id", "not-an-id", tmp=tmp_path)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    missing = kata("discord", "invite-url", tmp=tmp_path)
    assert missing.returncode == 2 and "--client-id" in missing.stderr


def test_a_platform_that_cannot_start_is_named_without_a_traceback(tmp_path: Path) -> None:
    port = closed_port()
    result = kata(
        "run",
        tmp=tmp_path,
        DISCORD_TOKEN="x.y.z",
        DISCORD_API_URL=f"http://127.0.0.1:{port}/api/v10",
        DISCORD_GATEWAY_URL=f"ws://127.0.0.1:{port}/",
    )
    assert result.returncode == 2
    assert "Could not start:" in result.stderr
    assert "Traceback" not in result.stderr


HALF_CONFIGURED = [
    ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN"),
    ({"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN"),
    ({"SLACK_SIGNING_SECRET": "s3"}, "SLACK_BOT_TOKEN"),
    ({"DISCORD_CLIENT_ID": "123456789012345678"}, "DISCORD_TOKEN"),
]


@pytest.mark.parametrize(("env", "missing"), HALF_CONFIGURED)
def test_a_half_configured_platform_names_what_is_missing_and_does_not_start(
    tmp_path: Path, env: dict[str, str], missing: str
) -> None:
    result = kata("run", tmp=tmp_path, **env)
    assert result.returncode != 0
    assert missing in result.stderr
    assert "Traceback" not in result.stderr
    assert "Design Kata console" not in result.stdout
    assert not (tmp_path / "k.db").exists(), "nothing is touched before the settings are whole"


def test_the_console_can_still_be_forced_beside_a_half_configured_platform(
    tmp_path: Path,
) -> None:
    result = kata("run", "--console", tmp=tmp_path, SLACK_BOT_TOKEN="xoxb-1")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("command", [["migrate"], ["run"], ["run", "--no-migrate"]])
def test_a_database_error_names_the_database_but_never_its_password(
    tmp_path: Path, command: list[str]
) -> None:
    port = closed_port()
    url = f"postgresql://kata:s3cretpw@127.0.0.1:{port}/practice"
    result = kata(*command, tmp=tmp_path, DATABASE_URL=url, LOG_LEVEL="DEBUG")
    assert result.returncode != 0
    shown = result.stdout + result.stderr
    assert "s3cretpw" not in shown
    assert f"kata:***@127.0.0.1:{port}/practice" in shown
    assert "Traceback" not in shown


def test_a_password_in_an_unreadable_url_is_not_echoed_either(tmp_path: Path) -> None:
    result = kata("migrate", tmp=tmp_path, DATABASE_URL="postgresql://kata:s3cretpw@127.0.0.1:x/db")
    assert result.returncode != 0
    assert "s3cretpw" not in result.stdout + result.stderr


def test_kata_alone_prints_a_short_help_not_an_error(tmp_path: Path) -> None:
    result = kata(tmp=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "kata run" in result.stdout and "kata migrate" in result.stdout
    assert "error" not in (result.stdout + result.stderr).lower()
    assert len(result.stdout.splitlines()) <= 15


def test_kata_version_prints_the_installed_version(tmp_path: Path) -> None:
    result = kata("--version", tmp=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"kata {version('design-kata')}"


def test_run_help_names_the_console_fallback_and_the_settings(tmp_path: Path) -> None:
    result = kata("run", "--help", tmp=tmp_path)
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "console" in text and "no platform" in text
    for variable in (
        "DATABASE_URL",
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "SLACK_SIGNING_SECRET",
        "PORT",
        "DISCORD_TOKEN",
        "LOG_LEVEL",
        ".env",
    ):
        assert variable in text, variable


def test_migrate_names_the_database_and_says_what_it_changed(tmp_path: Path) -> None:
    first = kata("migrate", tmp=tmp_path)
    assert first.returncode == 0, first.stderr
    database = str(tmp_path / "k.db")
    assert database in first.stdout
    assert "upgraded from an empty database to" in first.stdout
    again = kata("migrate", tmp=tmp_path)
    assert again.returncode == 0, again.stderr
    assert database in again.stdout
    assert "already at the latest schema" in again.stdout
    assert "upgraded" not in again.stdout
