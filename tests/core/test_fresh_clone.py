"""A newcomer's fresh clone has no `../shared/specs` beside it: the Slack and Discord tests
still run there, and only the comparisons against the platforms' published API
descriptions skip, saying why. The run covers the files that hold those comparisons and a
whole round on each platform (the fakes check every call wherever the specs are), not both
suites again: that doubled their time."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from bot.settings import PROJECT_ROOT

CONFORMANCE = {
    "tests.slack.test_manifest::test_subscribed_events_are_real_events_whose_scopes_are_requested",
    "tests.slack.test_manifest::test_every_web_api_method_the_adapter_calls_is_granted_by_a_requested_scope",
    "tests.discord.test_fake_checks::test_bodies_are_checked_against_discords_schema",
    "tests.discord.test_fake_checks::test_a_modal_with_a_select_in_a_label_matches_discords_schema",
    "tests.discord.test_forms_render::test_a_feedback_page_matches_discords_schema",
}


def test_without_the_specs_only_the_conformance_comparisons_skip(tmp_path: Path) -> None:
    empty = tmp_path / "no-specs"
    empty.mkdir()
    report = tmp_path / "report.xml"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KATA_", "SLACK_", "DISCORD_"))}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={report}",
            *sorted(
                {
                    f"tests/{c.split('::')[0].split('.', 1)[1].replace('.', '/')}.py"
                    for c in CONFORMANCE
                }
            ),
            "tests/slack/test_round.py",
            "tests/discord/test_round_story.py",
        ],
        cwd=PROJECT_ROOT,
        env={**env, "KATA_SPECS_DIR": str(empty)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    skipped: dict[str, str] = {}
    ran = 0
    for case in ET.parse(report).iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}".split("[")[0]
        skip = case.find("skipped")
        if skip is None:
            ran += 1
        else:
            skipped[name] = skip.get("message", "")
    assert set(skipped) == CONFORMANCE
    assert all("KATA_SPECS_DIR" in reason for reason in skipped.values()), skipped
    assert ran >= 15
