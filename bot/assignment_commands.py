"""`/kata assign`: assign a round's reviewers now, or set the channel's assigned reviews
(`assign on`, `assign off`, `assign deadline 24h`); the rules are in `bot.assignments`."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot import channel_settings
from bot.assignments import assign, assigned, local_time
from bot.chat import Outcome, OutgoingMessage, Section, text_message
from bot.commands import CommandError, Invocation
from bot.durations import parse_duration
from bot.plurals import plural
from bot.render import assigned_text
from bot.round_commands import round_for

if TYPE_CHECKING:
    from bot.unit import Unit

MIN_HOURS, MAX_HOURS = 1, 7 * 24


async def assign_command(unit: Unit, inv: Invocation) -> Outcome | OutgoingMessage:
    """`assign`: assign the round's reviewers now; `assign on|off|deadline <hours>`: the
    channel's settings (a settings change, answered in the channel)."""
    if inv.parsed.spec.subcommand(inv.parsed) is not None:
        return await channel_settings.change(_settings)(unit, inv)
    thread = inv.event.thread
    rnd = await round_for(unit, thread.thread_id if thread else None)
    channel = await unit.find_channel()
    if rnd is None or channel is None:
        return text_message("There is no round here to assign reviews for yet.")
    made = await assign(unit.session, rnd, channel, unit.now)
    rows = await assigned(unit.session, rnd.id)
    if not rows:
        return text_message(
            f"Round #{rnd.seq} needs answers from at least two members on the boards before "
            "reviews can be assigned."
        )
    if made:
        unit.after_commit(unit.deps.worker.poke)
    due = local_time(rows[0].due_at, channel.timezone)
    head = (
        f"Assigned reviews for round #{rnd.seq}; each reviewer is told privately. "
        if made
        else f"Reviews for round #{rnd.seq} are already assigned. "
    )
    return OutgoingMessage(
        sections=(
            Section(text=head + f"Due by {due}."),
            Section(heading="Who reviews whom", text=assigned_text(rows)),
        )
    )


async def _settings(change: channel_settings.Change) -> str:
    words = change.parsed.words
    word = words[0].lower()
    channel = change.channel
    if word == "on":
        channel.assign_reviews = True
        return (
            "Reviews will be assigned at each wrap-up, due within "
            f"{plural(channel.review_hours, 'hour')}."
        )
    if word == "off":
        channel.assign_reviews = False
        return "Reviews are no longer assigned at wrap-up (an admin can still run /kata assign)."
    length = parse_duration(" ".join(words[1:]), bare="h")
    if length is None or length % timedelta(hours=1):
        raise CommandError(
            "Give the deadline in hours or days, e.g. 24h or 2d.", change.parsed.spec
        )
    hours = length // timedelta(hours=1)
    if not MIN_HOURS <= hours <= MAX_HOURS:
        raise CommandError(
            f"The deadline must be between {MIN_HOURS} hour and {MAX_HOURS // 24} days.",
            change.parsed.spec,
        )
    channel.review_hours = hours
    return f"Assigned reviews are now due {plural(hours, 'hour')} after they are assigned."
