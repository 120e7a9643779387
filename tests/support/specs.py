"""Where the platforms' published API descriptions live: `../shared/specs` beside the
repository (as CI lays it out), or wherever `KATA_SPECS_DIR` points."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT


def specs_dir() -> Path | None:
    candidates = [os.environ.get("KATA_SPECS_DIR"), PROJECT_ROOT.parent / "shared" / "specs"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "discord-openapi.json").is_file():
            return Path(candidate)
    return None


def require_specs() -> Path:
    """The specs folder, or skip: without it a fake could not tell a payload the platform
    would reject, and a test that cannot fail is worse than a skipped one."""
    found = specs_dir()
    if found is None:
        pytest.skip(
            "platform API descriptions not found at ../shared/specs; "
            "set KATA_SPECS_DIR to the folder holding them"
        )
    return found
