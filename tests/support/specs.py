"""Where the platforms' published API descriptions live: wherever `KATA_SPECS_DIR` points, or
else `../shared/specs` beside the repository (as CI lays it out).

They are optional: the fake Slack and fake Discord speak the protocols without them, and
check every call against them when they are there. Only the tests that compare with the
descriptions themselves skip without them.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from bot.settings import PROJECT_ROOT


def _candidate() -> Path:
    given = os.environ.get("KATA_SPECS_DIR")
    return Path(given) if given else PROJECT_ROOT.parent / "shared" / "specs"


def specs_dir() -> Path | None:
    """The folder holding the descriptions, or None. A set `KATA_SPECS_DIR` is the only place
    looked at, so a contributor can see what a fresh clone runs."""
    candidate = _candidate()
    return candidate if (candidate / "discord-openapi.json").is_file() else None


def missing_reason() -> str:
    return (
        f"platform API descriptions not found in {_candidate()}; put them at ../shared/specs "
        "beside the repository or set KATA_SPECS_DIR to the folder holding them"
    )


def have_specs() -> bool:
    return specs_dir() is not None


def require_specs() -> Path:
    """The specs folder, or skip the test: a comparison with nothing to compare against
    cannot fail, and a test that cannot fail is worse than a skipped one. With
    `KATA_REQUIRE_SPECS` set (CI), a missing folder fails instead."""
    found = specs_dir()
    if found is None:
        if os.environ.get("KATA_REQUIRE_SPECS"):
            pytest.fail(f"KATA_REQUIRE_SPECS is set but {missing_reason()}")
        pytest.skip(missing_reason())
    return found


@cache
def spec_json(name: str) -> Any:
    """One description file, parsed once per test session (they are megabytes)."""
    return json.loads((require_specs() / name).read_text())
