"""The two faces between the core and every chat platform.

`ChatPort` is what a platform offers the core: the core calls it for everything it starts on
its own (scheduled prompts, stages, wrap-ups, notifications). `Core` is what the core offers
a platform: adapters hold one and hand it every inbound event. Answers to an inbound event
(replies, forms) travel back as the `Outcome` that `Core.handle` returns; see
`bot.chat.Outcome` for why.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from bot.chat import (
    Actor,
    ChannelRef,
    InboundEvent,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    MessageRef,
    Once,
    Outcome,
    OutgoingMessage,
    ThreadRef,
    UserRef,
)


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

    async def post_prompt(
        self, channel: ChannelRef, message: OutgoingMessage, once: Once | None = None
    ) -> ThreadRef:
        """Post a round's prompt and return the thread its stages go into.

        `once` (on every scheduled post): see `bot.chat.Once`; with `once.retry` the adapter
        returns the earlier post carrying `once.key` if there is one instead of posting again.

        Slack: `chat.postMessage` in the channel; the thread is the message `ts`.
        Discord: send the message (an embed) in the channel, then start a public thread from
        it; the thread is the new thread channel's id.
        """
        ...

    async def post_in_thread(
        self, thread: ThreadRef, message: OutgoingMessage, once: Once | None = None
    ) -> MessageRef:
        """Post a stage, a wrap-up or a note into a round's thread.

        Slack: `chat.postMessage` with `thread_ts`. Discord: send in the thread channel.
        """
        ...

    async def post_in_channel(
        self, channel: ChannelRef, message: OutgoingMessage, once: Once | None = None
    ) -> MessageRef:
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


@runtime_checkable
class MessageLinks(Protocol):
    """What a platform whose messages have addresses adds to `ChatPort` (optional: a port
    without it gets no links, like the console)."""

    def message_link(self, message: MessageRef) -> str | None:
        """A URL that opens `message` in the platform's client, or None when it has none.

        Slack: the permalink, from the workspace's URL (`auth.test`), the channel and the
        `ts`, with `thread_ts` for a reply. Discord:
        `https://discord.com/channels/{guild}/{channel or thread}/{message}`.
        """
        ...


def message_link(port: ChatPort, message: MessageRef) -> str | None:
    """The port's link to `message`, or None when the port makes none or fails to."""
    if not isinstance(port, MessageLinks):
        return None
    try:
        return port.message_link(message)
    except Exception:
        return None


@dataclass(frozen=True)
class ThreadMessage:
    """A member's message as the platform holds it now (for reading a thread back)."""

    message_id: str
    actor: Actor
    text: str
    edited: bool = False


@dataclass(frozen=True)
class ThreadPage:
    """Part of a thread, oldest first; `more` is what to pass as `after` for the next part,
    None when this part is the last."""

    messages: list[ThreadMessage] = field(default_factory=list)
    more: str | None = None
    present: frozenset[str] | None = None
    """Every message id on the page, answers or not (a message the platform shows without
    its text still exists). None when the adapter cannot say: then an answer missing from
    the thread is not taken for deleted."""


@runtime_checkable
class ThreadHistory(Protocol):
    """What a platform with stored threads adds to `ChatPort`, so the core can record answers
    posted while it was down or acknowledged but not yet written when it died."""

    async def read_thread(
        self, thread: ThreadRef, after: str | None = None, limit: int = 100
    ) -> ThreadPage:
        """Members' messages in a round's thread after message `after` (from the start when
        None), at most `limit`; the bot's own posts and the thread's first message are left
        out. Transient failures are the adapter's to retry; what still fails is raised.

        Slack: `conversations.replies` (`channels:history`, `groups:history`) with `oldest`.
        Discord: `GET /channels/{thread}/messages?after=` (Read Message History).
        """
        ...


class DeclaredCommand(Protocol):
    """One `/kata` command as a platform's command list shows it."""

    @property
    def name(self) -> str: ...

    @property
    def short(self) -> str:
        """At most 100 characters (Discord's limit for a description)."""
        ...

    @property
    def admin_only(self) -> bool:
        """Only admins may run it, whatever its words (`pause`, `filter`)."""
        ...


class DeclaredCommands(Protocol):
    """The core's commands in help order, and by name."""

    def __iter__(self) -> Iterator[DeclaredCommand]: ...

    def __getitem__(self, name: str) -> DeclaredCommand: ...


class DeclaredRubric(Protocol):
    """The review rubric as `content/framework.yaml` declares it, for typed form options."""

    @property
    def levels(self) -> tuple[str, ...]:
        """Level names from 1 up."""
        ...

    @property
    def signal_keys(self) -> tuple[str, ...]: ...


class Core(Protocol):
    """What an adapter may ask of the core (`bot.core.Kata` is the one implementation).

    `handle` and `home` never raise into an adapter: a failure inside the core comes back as
    a short apology, so an adapter only has to deliver what it gets.
    """

    @property
    def commands(self) -> DeclaredCommands:
        """Every `/kata` command as declared once in the core, for platforms that list them
        (Discord's slash command options)."""
        ...

    @property
    def rubric(self) -> DeclaredRubric: ...

    def attach(self, port: ChatPort) -> None:
        """Route the core's own posts for `port.platform` to this adapter."""
        ...

    async def handle(self, event: InboundEvent) -> Outcome:
        """Every message, command, button press and form submission, translated at the edge.

        The adapter delivers the `Outcome`: its replies (public or private), the form to open,
        the reaction to add, or the form's field errors.
        """
        ...

    def record(
        self, event: MessagePosted | MessageEdited | MessageDeleted
    ) -> asyncio.Future[Outcome] | None:
        """`handle` for a thread message, without a task or a wait per message: queued at
        once, its Outcome in the future once its batch is written (cancelled if the core
        stops first: the message is read back from the thread at the next start). None, and
        nothing queued, when the answer queue is full: then call `handle`, which waits."""
        ...

    async def settle(self) -> None:
        """Wait until the work that is due now has run (the stages a command made due). Only a
        one-person session that prints as it goes needs this (the console); chat platforms
        show the posts whenever they come."""
        ...

    async def answer_room(self, limit_seconds: float) -> bool:
        """Wait (at most `limit_seconds`) until the core's answer queue takes more; False when
        it stayed full. An adapter asks before acknowledging a message event, so a burst
        slows the platform's delivery instead of growing memory; a message acknowledged
        without room is read back from the thread later (`ThreadHistory`)."""
        ...

    async def home(self, actor: Actor) -> OutgoingMessage:
        """A member's own overview. Slack: the App Home tab. Discord: not used."""
        ...

    async def known_tags(self, channel: ChannelRef) -> list[str]:
        """Every prompt tag in the channel's workspace, for autocompleting `filter tags`."""
        ...

    async def filter_hint(self, channel: ChannelRef, tags: str, levels: str) -> str:
        """How many prompts these (comma-separated) tags and difficulties leave, in a line
        for the set-up form while it is being filled in (Slack updates it live)."""
        ...

    async def open_thread(self, channel: ChannelRef) -> ThreadRef | None:
        """The latest round's thread, for a platform without threads (the console): a plain
        line there is a reply in this thread. None before the first round."""
        ...
