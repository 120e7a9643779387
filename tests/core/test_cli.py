"""The `kata` command's answers to a newcomer's mistakes: a clear line, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from bot.settings import PROJECT_ROOT


def kata(*args: str, tmp: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
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
