"""Setting a channel up by form, and its controls as buttons (Slack App Home, `schedule`).

A form is only another way to type `setup`, `pace` and `filter`: a submit is checked field by
field, then carried out as exactly those commands through the registry (the same access
check, the same handlers, the same one-line answers), all in the submit's one transaction.
Any error rolls everything back and goes back to the form, field by field, so nothing is
saved from an invalid form. The buttons run `pause`, `resume`, `skip`, `now` the same way.
"""

from __future__ import annotations

import re
from datetime import time
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from bot import channel_settings
from bot.channel_settings import DIFFICULTIES, MAX_DRIP, MIN_DRIP
from bot.chat import (
    SCHEDULE_CONTROLS,
    SCHEDULE_FORM_ID,
    Actor,
    Button,
    ButtonPressed,
    ChannelRef,
    Choice,
    CommandInvoked,
    Form,
    FormField,
    FormSubmitted,
    Outcome,
    OutgoingMessage,
    Reply,
    Section,
    text_message,
)
from bot.commands import CommandError, Invocation, dispatch
from bot.commands.registry import Registry
from bot.echo import echo
from bot.kinds import Pacing
from bot.models import Channel
from bot.plurals import plural
from bot.prompt_bank import PromptView, workspace_prompts
from bot.rotation import matching
from bot.schedule import WEEKDAY_NAMES, WORKDAYS, ScheduleError, parse_time, parse_weekdays
from bot.timezones import parse_timezone

if TYPE_CHECKING:
    from bot.unit import Unit

FORM_ID = SCHEDULE_FORM_ID
FORM_PLATFORMS = frozenset({"slack", "discord"})
"""Platforms that can show a form; elsewhere (the console) `setup` stays typed."""
CONTROLS = {"pause": "pause", "resume": "resume", "skip": "skip", "now": "now"}
"""Control buttons and the command each one runs."""
EDIT = "edit"
DRIP_CHOICES = (15, 30, 45, 60, 90, 120)
DAY_LABELS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PANEL_CHANNELS = 10
"""Channels shown on one control panel; Slack's App Home holds 100 blocks in all."""
NOTHING_CHANGED = "Nothing changed: the form matches this channel's schedule."


def is_control(action: str) -> bool:
    return action in SCHEDULE_CONTROLS


def channel_of(event: FormSubmitted) -> ChannelRef:
    """The channel a set-up form is about: its id rides in the form's context, the
    workspace is always the submitting member's own."""
    user = event.actor.user
    return ChannelRef(user.platform, user.workspace_id, event.context)


# ------------------------------------------------------------------ the form


async def setup_command(unit: Unit, inv: Invocation) -> Outcome | OutgoingMessage:
    """`setup` with no words opens the form where the platform has forms; anything else
    (and the console) is the typed command."""
    where = inv.event.channel
    if not inv.parsed.words and where.platform in FORM_PLATFORMS:
        return Outcome(form=await schedule_form(unit))
    return await channel_settings.change(channel_settings.setup)(unit, inv)


def _pace_value(pacing: Pacing, minutes: int) -> str:
    return f"drip:{minutes}" if pacing == Pacing.DRIP else str(pacing)


def _pace_choices(current: str) -> tuple[Choice, ...]:
    values = [f"drip:{m}" for m in DRIP_CHOICES]
    if current.startswith("drip:") and current not in values:
        values.append(current)
        values.sort(key=lambda v: int(v.partition(":")[2]))
    choices = [
        Choice(v, f"One stage every {plural(int(v.partition(':')[2]), 'minute')}") for v in values
    ]
    choices += [
        Choice(str(Pacing.ALL), "All stages at once"),
        Choice(str(Pacing.MANUAL), "Each stage on /kata next"),
    ]
    return tuple(choices)


def prompts_left(views: list[PromptView], tags: list[str], levels: list[str]) -> int:
    return len(matching([v.choice for v in views], tags, levels))


def filter_hint(
    views: list[PromptView], tags: list[str], levels: list[str], chosen: bool = False
) -> str:
    left = prompts_left(views, tags, levels)
    which = "these filters" if chosen else "the filters as saved"
    if not left:
        return f"No prompt of {len(views)} matches {which}: choose more, or none."
    return (
        f"{plural(left, 'prompt')} of {len(views)} in play with {which}; "
        "leave both empty for any prompt."
    )


async def live_hint(unit: Unit, tags: str, levels: str) -> str:
    """How many prompts the filters picked so far leave (the form updates as they change)."""
    views = await workspace_prompts(unit.session, unit.content, await unit.find_workspace_id())
    return filter_hint(views, _listed(tags), _listed(levels), chosen=True)


async def schedule_form(unit: Unit) -> Form:
    """The set-up form, filled in with the channel's settings (or sensible first ones: the
    member's own time zone, 09:30 on weekdays, a stage an hour). Reads only."""
    channel = await unit.find_channel()
    configured = channel is not None and channel.configured
    views = await workspace_prompts(unit.session, unit.content, await unit.find_workspace_id())
    counts: dict[str, int] = {}
    for view in views:
        for tag in view.tags:
            counts[tag] = counts.get(tag, 0) + 1
    levels: dict[str, int] = {level: 0 for level in DIFFICULTIES}
    for view in views:
        if view.difficulty in levels:
            levels[view.difficulty] += 1
    actor = unit.actor
    if channel is not None and configured:
        at, zone, mask = f"{channel.post_time:%H:%M}", channel.timezone, channel.weekdays
        pace = _pace_value(channel.pacing, channel.drip_minutes)
        tags, chosen_levels = list(channel.tag_filter or []), list(channel.difficulty_filter or [])
    else:
        at, zone, mask = "09:30", _own_zone(actor), WORKDAYS
        pace, tags, chosen_levels = _pace_value(Pacing.DRIP, 60), [], []
    days = ",".join(WEEKDAY_NAMES[d] for d in range(7) if mask & (1 << d))
    hint = filter_hint(views, tags, chosen_levels)
    where = unit.where.channel_id if unit.where is not None else ""
    return Form(
        form_id=FORM_ID,
        title="Design Kata schedule" if configured else "Set up Design Kata",
        context=where,
        submit_label="Save",
        fields=(
            FormField("time", "Time of the daily prompt", "time", required=True, initial=at),
            FormField("zone", "Time zone", "zone", required=True, initial=zone),
            FormField(
                "days",
                "Practice days",
                "choice",
                required=True,
                multiple=True,
                initial=days,
                choices=tuple(
                    Choice(n, label) for n, label in zip(WEEKDAY_NAMES, DAY_LABELS, strict=True)
                ),
            ),
            FormField(
                "pace",
                "How the stages arrive",
                "choice",
                required=True,
                initial=pace,
                choices=_pace_choices(pace),
            ),
            FormField(
                "tags",
                "Only prompts with these tags",
                "choice",
                multiple=True,
                initial=",".join(tags) or None,
                placeholder="Any tag",
                choices=tuple(
                    Choice(t, f"{t} ({counts[t]})") for t in sorted(counts, key=str.lower)
                ),
                hint=hint,
            ),
            FormField(
                "difficulty",
                "Only prompts of these difficulties",
                "choice",
                multiple=True,
                initial=",".join(chosen_levels) or None,
                placeholder="Any difficulty",
                choices=tuple(Choice(k, f"{k} ({n})") for k, n in levels.items()),
                hint=hint,
            ),
        ),
    )


def _own_zone(actor: Actor | None) -> str:
    if actor is not None and actor.timezone:
        try:
            return parse_timezone(actor.timezone).key
        except ScheduleError:
            pass
    return "UTC"


def _listed(text: str | None) -> list[str]:
    return [v for v in re.split(r"[,\s]+", (text or "").strip().lower()) if v]


async def submit(unit: Unit, registry: Registry, values: dict[str, str]) -> Outcome:
    """Check the form, then run what changed as `setup`, `pace` and `filter` in this one
    transaction; on any error roll it all back and answer with the errors by field."""
    errors: dict[str, str] = {}
    commands: list[tuple[str, str]] = []
    replies: list[str] = []
    try:
        await _plan(unit, values, errors, commands)
        if not errors and commands:
            replies = await _run(unit, registry, commands, errors)
    except CommandError as exc:
        errors.setdefault("form", str(exc))
    if errors:
        await unit.rollback()
        return Outcome(form_errors=errors)
    if not commands:
        return Outcome(replies=[Reply(text_message(NOTHING_CHANGED))])
    return Outcome(replies=[Reply(text_message("\n".join(replies)), private=False)])


async def _plan(
    unit: Unit, values: dict[str, str], errors: dict[str, str], commands: list[tuple[str, str]]
) -> None:
    """Check each field on its own and list the commands that make the change, each with
    the field its errors belong to."""
    at = zone = None
    mask = 0
    try:
        at = parse_time(values.get("time", ""))
    except ScheduleError as exc:
        errors["time"] = str(exc)
    try:
        zone = parse_timezone(values.get("zone", "")).key
    except ScheduleError as exc:
        errors["zone"] = str(exc)
    days = _listed(values.get("days"))
    if not days:
        errors["days"] = "Pick at least one day."
    else:
        try:
            mask = parse_weekdays(",".join(days))
        except ScheduleError as exc:
            errors["days"] = str(exc)
    pace_words = _pace_words(values.get("pace", ""), errors)
    tags, levels = _listed(values.get("tags")), _listed(values.get("difficulty"))
    views = await workspace_prompts(unit.session, unit.content, await unit.find_workspace_id())
    known = {t for v in views for t in v.tags} | {"custom"}
    if unknown := [t for t in tags if t not in known]:
        errors["tags"] = f"No prompt has the tag {echo(unknown[0])}."
    if bad := [v for v in levels if v not in DIFFICULTIES]:
        errors["difficulty"] = f"Difficulties are easy, medium and hard (not {echo(bad[0])})."
    if (
        "tags" not in errors
        and "difficulty" not in errors
        and not prompts_left(views, tags, levels)
    ):
        errors["tags" if tags else "difficulty"] = (
            "No prompt matches these tags and difficulties together; choose more, or none."
        )
    if errors or at is None or zone is None:
        return
    channel = await unit.find_channel()
    fresh = channel is None or not channel.configured
    if channel is None or fresh or _when(channel) != (at, zone, mask):
        commands.append(("time", f"setup {at:%H:%M} {zone} {','.join(days)}"))
    pace_now = None if channel is None else _pace_value(channel.pacing, channel.drip_minutes)
    if fresh or pace_now != ":".join(pace_words):
        commands.append(("pace", "pace " + " ".join(pace_words)))
    old_tags = sorted(channel.tag_filter or []) if channel is not None else []
    old_levels = sorted(channel.difficulty_filter or []) if channel is not None else []
    if (sorted(tags), sorted(levels)) != (old_tags, old_levels):
        commands.append(("tags", "filter clear"))
        if tags:
            commands.append(("tags", f"filter tags {','.join(tags)}"))
        if levels:
            commands.append(("difficulty", f"filter difficulty {','.join(levels)}"))


def _when(channel: Channel) -> tuple[time, str, int]:
    return channel.post_time, channel.timezone, channel.weekdays


def _pace_words(value: str, errors: dict[str, str]) -> list[str]:
    mode, _, minutes = value.strip().lower().partition(":")
    if mode in (Pacing.ALL, Pacing.MANUAL) and not minutes:
        return [mode]
    if mode == Pacing.DRIP and minutes.isdigit() and MIN_DRIP <= int(minutes) <= MAX_DRIP:
        return [mode, minutes]
    errors["pace"] = "Choose how the stages arrive."
    return []


async def _run(
    unit: Unit, registry: Registry, commands: list[tuple[str, str]], errors: dict[str, str]
) -> list[str]:
    """The typed commands, one after the other, through the registry's access check."""
    assert unit.where is not None and unit.actor is not None
    said: dict[str, str] = {}
    for field_key, text in commands:
        typed = CommandInvoked(unit.where, unit.actor, text)
        try:
            outcome = await dispatch.run(unit, Invocation(typed, registry.parse(text)))
        except CommandError as exc:
            errors[field_key] = str(exc)
            return []
        said[text.partition(" ")[0]] = outcome.text  # the last filter line says it all
    return list(said.values())


# ------------------------------------------------------------------ the buttons


def controls(channel: Channel) -> tuple[Button, ...]:
    """The buttons under a channel's schedule."""
    value = channel.external_id
    toggle = (
        Button("resume", "Resume", value, primary=True)
        if channel.paused
        else Button("pause", "Pause", value)
    )
    return (
        toggle,
        Button("skip", "Skip next", value),
        Button("now", "Start now", value),
        Button("edit", "Edit", value),
    )


async def press(unit: Unit, registry: Registry, event: ButtonPressed) -> Outcome:
    """A control button: the command it stands for, as if typed in that channel."""
    if event.action == EDIT:
        opening = CommandInvoked(event.channel, event.actor, "setup")
        refused = await dispatch.refusal(unit, Invocation(opening, registry.parse("setup")))
        if refused is not None:
            raise refused
        return Outcome(form=await schedule_form(unit))
    text = CONTROLS[event.action]
    typed = CommandInvoked(event.channel, event.actor, text)  # not about a round's thread
    return await dispatch.run(unit, Invocation(typed, registry.parse(text)))


async def panel(unit: Unit) -> list[Section]:
    """The channels the member manages (all set-up channels for a platform admin, else
    those they set up), each with its schedule, next round and controls."""
    member = await unit.find_member()
    ws_id = await unit.find_workspace_id()
    if member is None or ws_id is None or unit.actor is None:
        return []
    # The first channels with their skipped days, and how many there are, in one
    # statement: an admin of a big workspace manages every channel.
    query = (
        select(Channel, func.count().over().label("managed"))
        .where(Channel.workspace_id == ws_id, Channel.configured.is_(True))
        .order_by(Channel.name, Channel.id)
        .limit(PANEL_CHANNELS)
        .options(joinedload(Channel.skips))
    )
    if not unit.actor.is_admin:
        query = query.where(Channel.setup_by_id == member.id)
    found = (await unit.session.execute(query)).unique().all()
    managed = found[0].managed if found else 0
    sections = []
    for channel, _ in found:
        described = channel_settings.describe(channel, unit.now)
        name = f"#{channel.name}" if channel.name else f"Channel {channel.external_id}"
        sections.append(
            Section(
                heading=f"{name}: schedule",
                text=described.text,
                fields=described.fields,
                buttons=controls(channel),
            )
        )
    if managed > PANEL_CHANNELS:
        more = managed - PANEL_CHANNELS
        sections.append(Section(text=f"And {plural(more, 'more channel')}: /kata schedule there."))
    return sections


async def with_panel(unit: Unit, home: OutgoingMessage) -> OutgoingMessage:
    """The home message with the member's control panel on top."""
    sections = await panel(unit)
    if not sections:
        return home
    return OutgoingMessage(
        title=home.title,
        sections=(Section(heading="Channels you manage"), *sections, *home.sections),
        buttons=home.buttons,
        footer=home.footer,
    )


async def show(unit: Unit, inv: Invocation) -> OutgoingMessage:
    """`schedule`: the schedule and, once set up, its controls (the console, without
    buttons, says which commands to type)."""
    shown = await channel_settings.show(unit, inv)
    channel = await unit.find_channel()
    if channel is None or not channel.configured:
        return shown
    return OutgoingMessage(sections=shown.sections, buttons=controls(channel))
