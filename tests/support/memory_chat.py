"""An in-memory chat platform for core tests: the port, plus a team that talks through it.

Tests read like transcripts: a member runs a command or replies in a thread, and the test
reads what the bot posted where.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from bot.chat import (
    Actor,
    ButtonPressed,
    ChannelRef,
    CommandInvoked,
    FormSubmitted,
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
from bot.core import Kata
from bot.jobs import ManualJobQueue
from bot.port import ChannelUnavailable

_ids = itertools.count(1)


@dataclass
class Posted:
    where: str  # "channel", "thread", "private"
    message: OutgoingMessage
    thread: ThreadRef | None = None
    channel: ChannelRef | None = None
    user: UserRef | None = None

    @property
    def text(self) -> str:
        return self.message.plain_text()


@dataclass
class MemoryChat:
    """Implements `ChatPort` in memory. One instance is one workspace on one platform."""

    kata: Kata
    workspace_id: str = "W1"
    platform: str = "memory"
    posts: list[Posted] = field(default_factory=list)
    reactions: list[tuple[MessageRef, str]] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)
    fail_thread_post: int | None = None
    """When set to N, the Nth post into a thread from now on fails once (a network blip)."""
    lose_reply: int | None = None
    """When set to N, the Nth post from now on reaches the channel but its reply is lost (a
    timeout after the platform accepted it), once."""
    auto_work: bool = True
    """Run the work a command made due right after it, as a running bot would; off where a
    test counts what the command alone does."""
    by_key: dict[str, ThreadRef | MessageRef] = field(default_factory=dict)
    """Posts by their `Once` key, as a platform's metadata or nonce lets the adapter find them."""

    def __post_init__(self) -> None:
        self.kata.attach(self)

    # ---- the port

    def _check(self, channel: ChannelRef) -> None:
        if channel.channel_id in self.unavailable:
            raise ChannelUnavailable(channel, self.unavailable[channel.channel_id])
        if channel.channel_id in self.broken:
            raise ConnectionError("platform is down")

    def _earlier(self, once: Once | None) -> ThreadRef | MessageRef | None:
        return self.by_key.get(once.key) if once is not None and once.retry else None

    def _delivered(self, once: Once | None, ref: ThreadRef | MessageRef) -> None:
        if once is not None:
            self.by_key[once.key] = ref
        if self.lose_reply is not None:
            self.lose_reply -= 1
            if self.lose_reply == 0:
                self.lose_reply = None
                raise TimeoutError("the platform took the post but its answer never came")

    async def post_prompt(
        self, channel: ChannelRef, message: OutgoingMessage, once: Once | None = None
    ) -> ThreadRef:
        self._check(channel)
        earlier = self._earlier(once)
        if isinstance(earlier, ThreadRef):
            return earlier
        thread = ThreadRef(channel, f"T{next(_ids)}")
        self.posts.append(Posted("channel", message, thread, channel))
        self._delivered(once, thread)
        return thread

    async def post_in_thread(
        self, thread: ThreadRef, message: OutgoingMessage, once: Once | None = None
    ) -> MessageRef:
        self._check(thread.channel)
        earlier = self._earlier(once)
        if isinstance(earlier, MessageRef):
            return earlier
        if self.fail_thread_post is not None:
            self.fail_thread_post -= 1
            if self.fail_thread_post == 0:
                self.fail_thread_post = None
                raise ConnectionError("connection reset")
        self.posts.append(Posted("thread", message, thread, thread.channel))
        ref = MessageRef(thread.channel, f"M{next(_ids)}", thread)
        self._delivered(once, ref)
        return ref

    async def post_in_channel(
        self, channel: ChannelRef, message: OutgoingMessage, once: Once | None = None
    ) -> MessageRef:
        self._check(channel)
        earlier = self._earlier(once)
        if isinstance(earlier, MessageRef):
            return earlier
        self.posts.append(Posted("channel", message, None, channel))
        ref = MessageRef(channel, f"M{next(_ids)}")
        self._delivered(once, ref)
        return ref

    async def send_private(
        self, user: UserRef, message: OutgoingMessage, channel: ChannelRef | None = None
    ) -> None:
        self.posts.append(Posted("private", message, None, channel, user))

    async def react(self, message: MessageRef, emoji: str) -> None:
        self.reactions.append((message, emoji))

    # ---- the team

    def channel(self, channel_id: str = "C1") -> ChannelRef:
        return ChannelRef(self.platform, self.workspace_id, channel_id)

    def member(self, name: str, admin: bool = False) -> Actor:
        return Actor(UserRef(self.platform, self.workspace_id, f"U-{name}"), name, admin)

    async def start_round(
        self,
        schedule: str = "09:00 Europe/Berlin mon-fri",
        pace: str = "manual",
        channel: str = "C1",
        now: bool = True,
    ) -> Actor:
        """The usual opening: an admin sets up a channel, picks a pace and starts a round."""
        lead = self.member("lea", admin=True)
        for text in (f"setup {schedule}", f"pace {pace}", *(["now"] if now else [])):
            outcome = await self.command(lead, text, channel=channel)
            assert "Usage" not in outcome.text, outcome.text
        return lead

    async def command(
        self, who: Actor, text: str, channel: str = "C1", thread: ThreadRef | None = None
    ) -> Outcome:
        outcome = await self.kata.handle(
            CommandInvoked(self.channel(channel), who, text, thread, request_id=f"R{next(_ids)}")
        )
        if self.auto_work:
            await self.work()
        return outcome

    async def work(self) -> int:
        """Run the work a command made due now, as a running bot's worker would at once."""
        jobs = self.kata.jobs
        assert isinstance(jobs, ManualJobQueue)
        return await jobs.run_due(self.kata.clock.now())

    async def reply(
        self, who: Actor, text: str, thread: ThreadRef | None = None, message_id: str | None = None
    ) -> tuple[MessageRef, Outcome]:
        thread = thread or self.latest_thread()
        ref = MessageRef(thread.channel, message_id or f"m{next(_ids)}", thread)
        outcome = await self.kata.handle(MessagePosted(ref, who, text))
        if outcome.react:
            await self.react(ref, outcome.react)
        return ref, outcome

    async def edit(self, who: Actor, ref: MessageRef, text: str) -> Outcome:
        return await self.kata.handle(MessageEdited(ref, who, text))

    async def delete(self, ref: MessageRef) -> Outcome:
        return await self.kata.handle(MessageDeleted(ref))

    async def press(self, who: Actor, action: str, thread: ThreadRef | None = None) -> Outcome:
        prompt = self.prompt_post(thread)
        button = next(b for b in prompt.message.buttons if b.action == action)
        return await self.kata.handle(
            ButtonPressed(prompt.channel, who, action, button.value, prompt.thread)
        )

    async def submit(self, who: Actor, form_id: str, context: str, values: dict) -> Outcome:
        return await self.kata.handle(FormSubmitted(who, form_id, context, values))

    # ---- reading

    def prompts(self, channel: str | None = None) -> list[Posted]:
        return [
            p
            for p in self.posts
            if p.where == "channel"
            and p.thread is not None
            and (channel is None or p.channel.channel_id == channel)
        ]

    def prompt_post(self, thread: ThreadRef | None = None) -> Posted:
        prompts = self.prompts()
        assert prompts, "no round has been posted"
        if thread is None:
            return prompts[-1]
        return next(p for p in prompts if p.thread == thread)

    def latest_thread(self, channel: str | None = None) -> ThreadRef:
        prompts = self.prompts(channel)
        assert prompts, "no round has been posted"
        thread = prompts[-1].thread
        assert thread is not None
        return thread

    def in_thread(self, thread: ThreadRef | None = None) -> list[Posted]:
        thread = thread or self.latest_thread()
        return [p for p in self.posts if p.where == "thread" and p.thread == thread]

    def stage_titles(self, thread: ThreadRef | None = None) -> list[str]:
        return [
            p.message.title or ""
            for p in self.in_thread(thread)
            if (p.message.title or "").startswith("Stage ")
        ]

    def private_to(self, who: Actor) -> list[Posted]:
        return [p for p in self.posts if p.where == "private" and p.user == who.user]
