"""Run a parsed command: check who may run it (the one admin rule), call its handler, and
post the reply publicly or privately as declared. The check and the handler share the
event's unit of work, so a command reads and writes in one transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.chat import Outcome, Reply
from bot.commands.registry import Access, CommandError, Invocation
from bot.models import Member
from bot.round_commands import why_timed

if TYPE_CHECKING:
    from bot.unit import Unit


def refusal_text(path: str) -> str:
    """The one answer to a member who may not run an admin command."""
    return (
        f"Only admins can use /kata {path}. Only workspace admins and the member who set up "
        "this channel count as admins here."
    )


def path_of(inv: Invocation) -> str:
    command = inv.parsed.spec
    sub = command.subcommand(inv.parsed)
    return f"{command.name} {sub.name}" if sub is not None else command.name


async def refusal(unit: Unit, inv: Invocation) -> CommandError | None:
    """Admins of the platform, and the member who ran setup here, may run everything."""
    access = inv.parsed.spec.access_for(inv.parsed)
    if access is Access.MEMBER or inv.event.actor.is_admin:
        return None
    if await _set_up_here(unit, inv, access):
        return None
    text = refusal_text(path_of(inv))
    if access is Access.ADMIN_UNLESS_MANUAL:
        why = await why_timed(unit, inv)
        if why is None:
            return None
        text = f"{why} {text}"
    return CommandError(text)


async def _set_up_here(unit: Unit, inv: Invocation, access: Access) -> bool:
    """The member ran setup in this channel (or nobody has, for `setup` itself). Reads only."""
    channel = await unit.find_channel()
    if channel is None or not channel.configured:
        return access is Access.ADMIN_ONCE_SET_UP
    if channel.setup_by_id is None:
        return False
    setter = await unit.session.get(Member, channel.setup_by_id)
    return setter is not None and setter.external_id == inv.event.actor.user.user_id


async def run(unit: Unit, inv: Invocation) -> Outcome:
    refused = await refusal(unit, inv)
    if refused is not None:
        raise refused
    command = inv.parsed.spec
    result = await command.handler(unit, inv)
    if isinstance(result, Outcome):
        return result
    return Outcome(replies=[Reply(result, private=not command.is_public(inv.parsed))])
