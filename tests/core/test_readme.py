"""What the READMEs tell a newcomer is true: the walkthrough runs, the Slack steps come in an
order that works, and the ways to keep the bot running start commands that exist."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

from bot.content import load_content
from bot.settings import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text()
SLACK_README = (PROJECT_ROOT / "adapters/slack/README.md").read_text()
DISCORD_README = (PROJECT_ROOT / "adapters/discord/README.md").read_text()


def blocks(markdown: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", markdown, flags=re.S)


def walkthrough() -> list[str]:
    return blocks(README, "text")[0].splitlines()


def kata(*args: str, tmp: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env |= {"DATABASE_URL": f"sqlite:///{tmp / 'kata.db'}", "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "kata.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp,
        env=env,
        timeout=120,
    )


def test_the_readme_walkthrough_runs_in_the_console_on_a_fresh_database(tmp_path: Path) -> None:
    lines = walkthrough()
    result = kata("run", tmp=tmp_path, stdin="\n".join(lines) + "\n")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "went wrong" not in out
    assert "Stage 1/10: " in out and "Stage 2/10: " in out
    replies = [line for line in lines if not line.startswith("/")]
    assert out.count("(bot reacted :white_check_mark:)") == len(replies) == 2
    assert "bo reviewed your answers" in out
    assert "Leaderboard" in out


def test_the_walkthrough_replies_fit_whatever_prompt_the_day_picks() -> None:
    """`/kata now` picks the prompt by channel and date, so a reply naming one prompt's
    subject (films, rides, ...) contradicts the round on most days."""
    content = load_content(PROJECT_ROOT / "content")

    def words(text: str) -> set[str]:
        return set(re.findall(r"[a-z]{4,}", text.lower()))

    uses = Counter(w for p in content.prompts for w in words(f"{p.title} {p.scenario}"))
    framework = words((PROJECT_ROOT / "content" / "framework.yaml").read_text())
    only_one_prompt = {w for w, n in uses.items() if n == 1} - framework
    replies = " ".join(line for line in walkthrough() if not line.startswith("/"))
    assert words(replies) & only_one_prompt == set()


def test_the_slack_readme_sets_the_tokens_and_runs_the_bot_before_asking_for_setup() -> None:
    run = SLACK_README.index("```sh\nkata run\n```")
    env_example = next(b for b in blocks(SLACK_README, "sh") if "SLACK_BOT_TOKEN=" in b)
    assert SLACK_README.index(env_example) < run < SLACK_README.index("/kata setup")
    assert "DATABASE_URL" in SLACK_README and "PostgreSQL" in SLACK_README


def scripts() -> dict[str, str]:
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    return pyproject["project"]["scripts"]


def assert_kata_command(words: list[str], tmp: Path) -> None:
    """`words` start with an installed `kata` and give it a subcommand it takes."""
    program = Path(words[0]).name
    assert program in scripts(), words
    result = kata(*words[1:], "--help", tmp=tmp)
    assert result.returncode == 0, (words, result.stderr)


def test_every_systemd_unit_in_the_readmes_starts_a_real_command(tmp_path: Path) -> None:
    units = [b for md in (SLACK_README, DISCORD_README) for b in blocks(md, "ini")]
    assert len(units) == 2, "each adapter README shows a unit"
    for unit in units:
        (exec_start,) = re.findall(r"^ExecStart=(.*)$", unit, flags=re.M)
        assert re.search(r"^WorkingDirectory=/\S+$", unit, flags=re.M), "where .env is read"
        assert re.search(r"^Restart=", unit, flags=re.M)
        assert_kata_command(shlex.split(exec_start), tmp_path)


def test_the_dockerfile_copies_what_exists_and_runs_a_real_command(tmp_path: Path) -> None:
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    for line in re.findall(r"^COPY (.*)$", dockerfile, flags=re.M):
        *sources, _dest = line.split()
        for source in sources:
            assert (PROJECT_ROOT / source).exists(), source
    (cmd,) = re.findall(r"^CMD (.*)$", dockerfile, flags=re.M)
    assert_kata_command(json.loads(cmd), tmp_path)  # exec form
    ignored = (PROJECT_ROOT / ".dockerignore").read_text().split()
    assert {".env", ".venv", "*.db"} <= set(ignored), "no secrets or local state in the image"
    for md in (SLACK_README, DISCORD_README):
        assert "docker run" in md and "--env-file .env" in md
