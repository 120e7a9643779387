"""The one port between the core and every chat platform.

The core calls these methods for everything it starts on its own (scheduled prompts, stages,
wrap-ups, notifications). Answers to an inbound event (replies, forms) travel back as the
`Outcome` that `Kata.handle` returns; see `bot.chat.Outcome` for why.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from bot.chat import ChannelRef, MessageRef, OutgoingMessage, ThreadRef, UserRef


class ChannelUnavailable(Exception):
    """The bot can no longer post in a channel and retrying will not help.

    Slack: `not_in_channel`, `channel_not_found`, `is_archived`, `invalid_auth`,
    `account_inactive`, `token_revoked`. Discord: 403 Missing Access / Missing Permissions,
    404 Unknown Channel. The core pauses the channel's schedule and records `reason`.
    """

    def __init__(self, channel: ChannelRef, reason: str) -> None:
        super().__init__(f"{channel.platform}:{channel.channel_id}: {reason}")
        self.channel = channel
        self.reason = reason


@runtime_checkable
class ChatPort(Protocol):
    """What the core needs from a platform. Transient failures (rate limits, 5xx, dropped
    connections) are the adapter's to retry; a failure that retrying cannot fix is raised as
    `ChannelUnavailable`; anything else raised is treated as transient by the core."""

    platform: str

    async def post_prompt(self, channel: ChannelRef, message: OutgoingMessage) -> ThreadRef:
        """Post a round's prompt and return the thread its stages go into.

        Slack: `chat.postMessage` in the channel; the thread is the message `ts`.
        Discord: send the message (an embed) in the channel, then start a public thread from
        it; the thread is the new thread channel's id.
        """
        ...

    async def post_in_thread(self, thread: ThreadRef, message: OutgoingMessage) -> MessageRef:
        """Post a stage, a wrap-up or a note into a round's thread.

        Slack: `chat.postMessage` with `thread_ts`. Discord: send in the thread channel.
        """
        ...

    async def post_in_channel(self, channel: ChannelRef, message: OutgoingMessage) -> MessageRef:
        """Post a top-level message in a channel (last week's final board).

        Slack: `chat.postMessage`. Discord: send in the text channel.
        """
        ...

    async def send_private(
        self, user: UserRef, message: OutgoingMessage, channel: ChannelRef | None = None
    ) -> None:
        """Tell one member something only they should see (e.g. "you received feedback").

        Slack: `chat.postEphemeral` in `channel` when given, else a DM (`conversations.open`
        + `chat.postMessage`). Discord: a direct message; if DMs are closed, the adapter may
        drop it with a log line (the feedback is still readable through `stats`).
        """
        ...

    async def react(self, message: MessageRef, emoji: str) -> None:
        """Add a reaction (`white_check_mark`) to a message, e.g. to confirm an answer counted.

        Slack: `reactions.add`. Discord: add reaction with the unicode emoji.
        """
        ...
