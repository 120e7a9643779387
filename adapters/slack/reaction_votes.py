"""Reaction events -> the core: a 🏆 (`trophy`) added to or removed from an answer in a
round's thread votes for (or withdraws the vote for) its author (`bot.votes`).

Slack sends `reaction_added` / `reaction_removed` (scope `reactions:read`) with the message's
channel and `ts` but not its thread; the core finds the answer by its `ts` alone. The core's
short confirmation goes back as an ephemeral message to the member who reacted.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from adapters.slack.inbound import channel_ref
from adapters.slack.replies import user_ref
from bot.chat import MessageRef, ReactionChanged

if TYPE_CHECKING:
    from adapters.slack.handlers import SlackInbound

log = logging.getLogger(__name__)

REACTION_EVENTS = ("reaction_added", "reaction_removed")


def read_reaction_event(
    team_id: str, event: dict[str, Any]
) -> tuple[MessageRef, str, str, bool] | None:
    """(message, user id, emoji name, added) of a reaction on a message, else None."""
    item = event.get("item") or {}
    user, emoji = event.get("user"), event.get("reaction")
    if item.get("type") != "message" or not item.get("channel") or not item.get("ts"):
        return None
    if not user or not emoji:
        return None
    message = MessageRef(channel_ref(team_id, str(item["channel"])), str(item["ts"]))
    # A skin-tone variant (`trophy::skin-tone-2`) is the same emoji.
    return message, str(user), str(emoji).split("::", 1)[0], event.get("type") == "reaction_added"


async def on_reaction(
    inbound: SlackInbound, body: dict[str, Any], event: dict[str, Any], context: Any
) -> None:
    """One reaction event, handled once per event id; its reply is private to the reactor."""
    event_id = body.get("event_id")
    try:
        if not inbound.deliveries.claim(event_id):
            return
        read = read_reaction_event(str(body.get("team_id") or ""), event)
        if read is None:
            return
        message, user_id, emoji, added = read
        actor = await inbound.members.actor(message.channel.workspace_id, user_id)
        outcome = await inbound.kata.handle(ReactionChanged(message, actor, emoji, added))
        author = user_ref(message.channel.workspace_id, user_id)
        for reply in outcome.replies:
            await inbound.replies.to_channel(message.channel, author, None, reply)
    except Exception:
        log.exception("could not handle reaction event %s", event_id)
    finally:
        inbound._done(context)
