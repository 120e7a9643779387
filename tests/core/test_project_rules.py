"""Rules of the codebase: schema matches migrations, content is validated with precise
errors. The import rules are in `test_imports.py`."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

import bot.models  # noqa: F401
from bot.content import ContentInvalid, load_content
from bot.db import Base, make_engine
from bot.migrate import upgrade
from bot.settings import PROJECT_ROOT
from tests.conftest import TEST_SCHEMA


def _diff(url: str) -> list:
    async def compare() -> list:
        engine = make_engine(url)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(
                    lambda sync: compare_metadata(
                        MigrationContext.configure(sync, opts={"compare_type": True}),
                        Base.metadata,
                    )
                )
        finally:
            await engine.dispose()

    return asyncio.run(compare())


def _reset_postgres(url: str) -> None:
    """Empty this test run's own schema (see `TEST_SCHEMA`)."""

    async def reset() -> None:
        engine = make_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text(f"DROP SCHEMA IF EXISTS {TEST_SCHEMA} CASCADE"))
            await conn.execute(text(f"CREATE SCHEMA {TEST_SCHEMA}"))
        await engine.dispose()

    asyncio.run(reset())


def test_alembic_upgrade_on_an_empty_database_yields_exactly_the_models(
    database_url: str,
) -> None:
    if database_url.startswith("postgresql"):
        _reset_postgres(database_url)
    upgrade(database_url)
    assert _diff(database_url) == []
    upgrade(database_url)  # a second upgrade is a no-op


def test_content_check_names_the_file_field_and_line(tmp_path: Path) -> None:
    shutil.copytree(PROJECT_ROOT / "content", tmp_path / "content")
    path = tmp_path / "content" / "prompts" / "vision.yaml"
    lines = path.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("difficulty:"))
    lines[at] = lines[at].split(":")[0] + ": impossible"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ContentInvalid) as caught:
        load_content(tmp_path / "content")
    [error] = caught.value.errors
    assert error.file == "prompts/vision.yaml"
    assert error.line == at + 1
    assert error.field.endswith(".difficulty")


def test_content_check_reports_every_problem_at_once(tmp_path: Path) -> None:
    shutil.copytree(PROJECT_ROOT / "content", tmp_path / "content")
    (tmp_path / "content" / "prompts" / "broken.yaml").write_text("prompts:\n  - id: [unclosed\n")
    fw = tmp_path / "content" / "framework.yaml"
    fw.write_text(fw.read_text().replace("minutes: 8", "minutes: 99", 1))
    with pytest.raises(ContentInvalid) as caught:
        load_content(tmp_path / "content")
    files = {e.file for e in caught.value.errors}
    assert files == {"framework.yaml", "prompts/broken.yaml"}


def test_the_shipped_content_is_valid_and_complete() -> None:
    content = load_content(PROJECT_ROOT / "content")
    assert len(content.prompts) >= 40
    domains = {p.domain for p in content.prompts}
    assert domains >= {
        "recommendations",
        "search",
        "ads",
        "integrity",
        "fraud",
        "marketplaces",
        "nlp-llm",
        "vision",
        "on-device",
    }


def test_stages_signals_and_levels_are_declared_only_in_the_framework_file() -> None:
    """Their words live in content/framework.yaml; code reads them from there."""
    import ast

    framework = load_content(PROJECT_ROOT / "content").framework
    declared = {level.lower() for level in framework.rubric.levels}
    declared |= {s.title.lower() for s in framework.rubric.signals}
    declared |= {a.lower() for s in framework.rubric.signals for a in s.aliases}
    declared |= {s.title.lower() for s in framework.stages}
    declared = {words for words in declared if " " in words}  # single words occur in prose
    found = []
    for folder in ("bot", "adapters", "kata"):
        for path in (PROJECT_ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    text = node.value.lower()
                    found += [
                        (path.name, word)
                        for word in declared
                        if f" {word} " in f" {text} " or text.startswith(f"{word} -")
                    ]
    assert found == []
