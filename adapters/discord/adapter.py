"""DiscordAdapter: the core's ChatPort on discord.py, plus the client's lifecycle.

This file composes the parts and owns the connection and everything the core starts on its
own (prompts, stages, wrap-ups, private notes, reactions). Inbound traffic is translated in
`translate.py` and handed to the core by `messages.py` and `interactions.py`, which receive
only what they use.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar, cast

import discord

from adapters.discord.client import DiscordStartError, make_client
from adapters.discord.commands import build_groups, discord_command_text
from adapters.discord.components import FormPageButton, RoundButton, buttons_view
from adapters.discord.endpoints import override_endpoints
from adapters.discord.forms import FormSessions
from adapters.discord.handling import Handling
from adapters.discord.history import page_of
from adapters.discord.interactions import Interactions
from adapters.discord.messages import Messages
from adapters.discord.pacing import Pacer
from adapters.discord.reaction_votes import ReactionVotes
from adapters.discord.render import NO_PINGS, Rendered, render
from adapters.discord.threads import ThreadParents
from adapters.ticks import ReactionSender, TickBudget
from bot.chat import (
    ChannelRef,
    MessageRef,
    Once,
    OutgoingMessage,
    ThreadRef,
    UserRef,
    text_message,
)
from bot.port import ChannelUnavailable, ThreadPage
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.port import Core

log = logging.getLogger(__name__)

T = TypeVar("T")
READY_TIMEOUT_SECONDS = 60.0
GATEWAY_WAIT_SECONDS = 2.0
THREAD_NAME_LIMIT = 100
TICKS_PER_MINUTE, TICK_BURST = 240.0, 20
"""Discord lets a bot add about four reactions a second per channel; one budget for all
channels stays under it everywhere."""
UNKNOWN_CHANNEL = 10003
THREAD_ALREADY_CREATED = 160004


def nonce_for(key: str) -> int:
    """A message nonce for a work key: stable across processes and retries, and at most 19
    digits (Discord allows 25 characters)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") >> 1


EMOJI = {
    "white_check_mark": "\u2705",
    "heavy_check_mark": "\u2714\ufe0f",
    "eyes": "\U0001f440",
    "tada": "\U0001f389",
    "fire": "\U0001f525",
    "hourglass": "\u231b",
    "x": "\u274c",
}
NO_INTENT_NOTE = (
    "This server's Design Kata bot cannot read messages (the Message Content intent is off), "
    "so messages in this thread do not count as answers. Answer with `/kata answer` here "
    "instead: it opens a form for your text."
)


class DiscordAdapter:
    """Runs Design Kata in Discord servers: implements `bot.port.ChatPort`."""

    platform = "discord"

    def __init__(self, kata: Core, settings: Settings, *, guild_ready_timeout: float = 2.0) -> None:
        """`guild_ready_timeout`: how long discord.py waits for more servers before READY."""
        self.kata = kata
        self.words = functools.partial(discord_command_text, declared=kata.commands)
        """Rewrites `/kata pause` to `/kata-admin pause` in what the bot writes."""
        self.settings = settings
        self.message_content = True
        """Whether the app may read message text; without it answers come via /kata answer."""
        self._intents = discord.Intents.default()
        self._intents.message_content = True
        try:
            shard_count, shard_ids = settings.discord_shards()
        except ValueError as exc:
            raise DiscordStartError(str(exc)) from None
        self.client = make_client(self._intents, guild_ready_timeout, shard_count, shard_ids)
        self.client.before_frame = self._room_for_answers
        self.threads = ThreadParents(self.client)
        self.interactions = Interactions(kata, FormSessions(), self.threads)
        self.client.buttons = self.interactions
        self.client.add_dynamic_items(RoundButton, FormPageButton)
        for group in build_groups(self.interactions):
            self.client.tree.add_command(group)
        self._ready = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None
        self._restore: Callable[[], None] | None = None
        self._synced: set[int] = set()
        self._pacer = Pacer()
        self.reaction_votes = ReactionVotes(kata.handle, self.threads, self._bot_id)
        self.handling = Handling()
        self.ticks = ReactionSender(
            self, self.handling, budget=TickBudget(TICKS_PER_MINUTE, TICK_BURST)
        )
        self.messages = Messages(kata.handle, self, self.threads, self._bot_id, self.ticks.add)
        self._register_events()

    @property
    def defer_after(self) -> float:
        """Seconds to wait for the core before deferring an interaction (Discord allows 3)."""
        return self.interactions.defer_after

    @defer_after.setter
    def defer_after(self, seconds: float) -> None:
        self.interactions.defer_after = seconds

    async def _room_for_answers(self) -> None:
        """Hold the gateway read while the core's answer queue is full (bounded, so the
        heartbeat acknowledgements behind it are read in time)."""
        await self.kata.answer_room(GATEWAY_WAIT_SECONDS)

    def _bot_id(self) -> int | None:
        return self.client.user.id if self.client.user is not None else None

    # ------------------------------------------------------------------ lifecycle

    async def start(self, listen: bool = True) -> None:
        """Log in, connect to the gateway and sync the slash commands; return once READY.
        `listen=False` (`kata worker`): log in only; posting needs no gateway connection."""
        token = self.settings.discord_token
        if not token:
            raise DiscordStartError("DISCORD_TOKEN is not set; see adapters/discord/README.md.")
        self._restore = override_endpoints(
            self.settings.discord_api_url, self.settings.discord_gateway_url
        )
        try:
            await self.client.login(token)
        except discord.LoginFailure as exc:
            await self.close()
            raise DiscordStartError(
                "Discord rejected DISCORD_TOKEN; copy the bot token again from the Developer "
                "Portal (Bot > Reset Token)."
            ) from exc
        except (discord.HTTPException, OSError) as exc:
            await self.close()
            raise DiscordStartError(f"Could not reach Discord's API: {exc}") from exc
        flags = self.client.application_flags
        self.message_content = bool(
            flags.gateway_message_content or flags.gateway_message_content_limited
        )
        self._intents.message_content = self.message_content
        if not self.message_content:
            log.warning(
                "Discord: the Message Content intent is off for this application; members "
                "answer with /kata answer instead of plain messages (see the Discord README)."
            )
        if not listen:
            return
        self._runner = asyncio.create_task(self.client.connect(reconnect=True), name="discord")
        ready = asyncio.create_task(self._ready.wait())
        done, _ = await asyncio.wait(
            {ready, self._runner}, timeout=READY_TIMEOUT_SECONDS, return_when="FIRST_COMPLETED"
        )
        if ready not in done:
            ready.cancel()
            error = self._runner.exception() if self._runner in done else None
            await self.close()
            if isinstance(error, discord.PrivilegedIntentsRequired):
                raise DiscordStartError(
                    "Discord refused the Message Content intent; enable it under Bot > "
                    "Privileged Gateway Intents, or turn it off there entirely."
                ) from error
            raise DiscordStartError(
                f"Discord's gateway did not get ready: {error or 'timed out'}"
            ) from error
        await self.sync_commands()

    async def wait_idle(self, limit_seconds: float = 10.0) -> None:
        """Wait until every message event received so far has been fully handled."""
        await self.handling.idle(limit_seconds)

    async def close(self) -> None:
        await self.ticks.close()
        if not self.client.is_closed():
            await self.client.close()
        if self._runner is not None:
            try:
                await asyncio.wait_for(self._runner, timeout=5)
            except Exception:  # the runner's own failure was reported already
                log.debug("Discord client stopped", exc_info=True)
        if self._restore is not None:
            self._restore()
            self._restore = None

    async def sync_commands(self) -> None:
        """Publish /kata in every server the bot is in (guild commands appear at once)."""
        for guild in list(self.client.guilds):
            await self.sync_guild(guild)

    async def sync_guild(self, guild: discord.abc.Snowflake) -> None:
        if guild.id in self._synced:
            return
        try:
            self.client.tree.copy_global_to(guild=guild)
            await self.client.tree.sync(guild=guild)
            self._synced.add(guild.id)
            log.info("Discord: synced /kata in server %s", guild.id)
        except discord.HTTPException as exc:
            log.warning("Discord: could not sync /kata in server %s: %s", guild.id, exc)

    def _register_events(self) -> None:
        client = self.client

        @client.event
        async def on_ready() -> None:
            log.info("Discord: connected as %s", client.user)
            self._ready.set()

        @client.event
        async def on_resumed() -> None:
            log.info("Discord: gateway session resumed")

        @client.event
        async def on_guild_join(guild: discord.Guild) -> None:
            await self.sync_guild(guild)

        @client.event
        async def on_message(message: discord.Message) -> None:
            async with self.handling.event():
                await self.messages.on_message(message)

        @client.event
        async def on_raw_message_edit(payload: discord.RawMessageUpdateEvent) -> None:
            async with self.handling.event():
                await self.messages.on_edit(payload)

        @client.event
        async def on_raw_message_delete(payload: discord.RawMessageDeleteEvent) -> None:
            async with self.handling.event():
                await self.messages.on_delete(
                    payload.guild_id, payload.channel_id, payload.message_id
                )

        @client.event
        async def on_raw_reaction_add(payload: discord.RawReactionActionEvent) -> None:
            async with self.handling.event():
                await self.reaction_votes.on_reaction(payload, added=True)

        @client.event
        async def on_raw_reaction_remove(payload: discord.RawReactionActionEvent) -> None:
            async with self.handling.event():
                await self.reaction_votes.on_reaction(payload, added=False)

        @client.event
        async def on_raw_bulk_message_delete(payload: discord.RawBulkMessageDeleteEvent) -> None:
            async with self.handling.event():
                for message_id in payload.message_ids:
                    await self.messages.on_delete(payload.guild_id, payload.channel_id, message_id)

    # ------------------------------------------------------------------ the port

    async def post_prompt(
        self, channel: ChannelRef, message: OutgoingMessage, once: Once | None = None
    ) -> ThreadRef:
        target = self._messageable(channel.channel_id, channel.workspace_id)
        first = await self._send(channel, target, render(message, self.words), once)
        name = (message.title or "Design Kata round")[:THREAD_NAME_LIMIT]
        try:
            thread_id = (
                await self._guard(
                    channel,
                    "start a thread",
                    lambda: first.create_thread(name=name, auto_archive_duration=1440),
                )
            ).id
        except discord.HTTPException as exc:
            if exc.code != THREAD_ALREADY_CREATED:
                raise
            thread_id = first.id  # an earlier try started it; it shares the message's id
        self.threads.remember(thread_id, int(channel.channel_id))
        ref = ThreadRef(channel=channel, thread_id=str(thread_id))
        if not self.message_content:
            note = Once(f"{once.key}:note", once.retry) if once is not None else None
            await self.post_in_thread(ref, text_message(NO_INTENT_NOTE), note)
        return ref

    async def post_in_thread(
        self, thread: ThreadRef, message: OutgoingMessage, once: Once | None = None
    ) -> MessageRef:
        target = self._messageable(thread.thread_id, thread.channel.workspace_id)
        sent = await self._send(thread.channel, target, render(message, self.words), once)
        return MessageRef(channel=thread.channel, message_id=str(sent.id), thread=thread)

    async def post_in_channel(
        self, channel: ChannelRef, message: OutgoingMessage, once: Once | None = None
    ) -> MessageRef:
        target = self._messageable(channel.channel_id, channel.workspace_id)
        sent = await self._send(channel, target, render(message, self.words), once)
        return MessageRef(channel=channel, message_id=str(sent.id))

    async def send_private(
        self, user: UserRef, message: OutgoingMessage, channel: ChannelRef | None = None
    ) -> None:
        try:
            member = self.client.get_user(int(user.user_id)) or await self.client.fetch_user(
                int(user.user_id)
            )
            dm = await member.create_dm()
            # A button pressed in a DM comes without a server, so the core could not tell
            # which workspace it is for: DMs go without buttons (their text says what to type).
            for part in render(replace(message, buttons=()), self.words):
                await self._send_one(dm, part)
        except discord.Forbidden:
            log.info("Discord: %s does not accept direct messages; note dropped", user.user_id)
        except discord.NotFound:
            log.info("Discord: user %s no longer exists; note dropped", user.user_id)

    def message_link(self, message: MessageRef) -> str | None:
        """`https://discord.com/channels/{guild}/{channel or thread}/{message}`; a round's
        prompt is linked in its text channel (the thread shares the prompt message's id)."""
        where = message.thread.thread_id if message.thread else message.channel.channel_id
        return (
            f"https://discord.com/channels/{message.channel.workspace_id}/{where}/"
            f"{message.message_id}"
        )

    async def react(self, message: MessageRef, emoji: str) -> None:
        """Queued within the ticks' budget, like the live answers' ticks, so a thread read
        back after a restart cannot burst past Discord's reaction limit."""
        self.ticks.add(message, emoji)

    async def react_now(self, message: MessageRef, emoji: str) -> None:
        """A missing tick is no reason to pause a channel: without Add Reactions, or when the
        message is already gone, this logs and returns; a deleted channel still raises."""
        where = message.thread.thread_id if message.thread else message.channel.channel_id
        target = self._messageable(where, message.channel.workspace_id)
        partial = target.get_partial_message(int(message.message_id))
        try:
            await partial.add_reaction(EMOJI.get(emoji, emoji))
        except discord.Forbidden as exc:
            log.warning("Discord: cannot react in %s (%s); grant Add Reactions", where, exc.text)
        except discord.NotFound as exc:
            if exc.code == UNKNOWN_CHANNEL:
                raise ChannelUnavailable(message.channel, "the thread was deleted") from exc
            log.info("Discord: message %s is gone; no reaction added", message.message_id)

    async def read_thread(
        self, thread: ThreadRef, after: str | None = None, limit: int = 100
    ) -> ThreadPage:
        """Members' messages in a round's thread after message `after`, for the core's
        reconciliation (needs Read Message History, which the invite asks for)."""
        raw = await self._guard(
            thread.channel,
            "read the thread's history",
            lambda: self.client.http.logs_from(
                int(thread.thread_id), limit, after=int(after) if after else 0
            ),
        )
        return page_of(thread, cast(list[dict[str, Any]], raw), limit, self._bot_id())

    # ------------------------------------------------------------------ sending

    def _messageable(self, channel_id: str, guild_id: str) -> discord.PartialMessageable:
        return self.client.get_partial_messageable(
            int(channel_id), guild_id=int(guild_id) if guild_id.isdigit() else None
        )

    async def _send(
        self,
        channel: ChannelRef,
        target: discord.abc.Messageable,
        parts: list[Rendered],
        once: Once | None = None,
    ) -> discord.Message:
        """Send every part in order; return the first message (threads start from it).

        With `once`, each part carries a nonce made from the key, and discord.py sends it with
        `enforce_nonce`: Discord answers a repeat (discord.py's own retry of a 5xx, or ours
        after a lost answer) with the message it already made instead of a second one."""
        first: discord.Message | None = None
        for n, part in enumerate(parts):
            nonce = nonce_for(f"{once.key}:{n}") if once is not None else None
            sent = await self._guard(
                channel, "send a message", functools.partial(self._send_one, target, part, nonce)
            )
            first = first or sent
        assert first is not None
        return first

    async def _send_one(
        self, target: discord.abc.Messageable, part: Rendered, nonce: int | None = None
    ) -> discord.Message:
        kwargs: dict[str, Any] = {"allowed_mentions": NO_PINGS}
        if nonce is not None:
            kwargs["nonce"] = nonce
        if part.content:
            kwargs["content"] = part.content
        if part.embeds():
            kwargs["embeds"] = part.embeds()
        view = buttons_view(part.buttons)
        if view is not None:
            kwargs["view"] = view
        if part.attachments or part.pictures:
            kwargs["files"] = part.files()
        async with self._pacer.slot():
            return await target.send(**kwargs)

    async def _guard(self, channel: ChannelRef, doing: str, call: Callable[[], Awaitable[T]]) -> T:
        """Turn "this channel is gone or closed to us" into ChannelUnavailable for the core."""
        try:
            return await call()
        except discord.Forbidden as exc:
            reason = f"missing permissions to {doing} (Discord {exc.code}: {exc.text})"
            log.warning("Discord channel %s: %s", channel.channel_id, reason)
            raise ChannelUnavailable(channel, reason) from exc
        except discord.NotFound as exc:
            if exc.code != UNKNOWN_CHANNEL:
                raise
            reason = "the channel or thread was deleted (Unknown Channel)"
            log.warning("Discord channel %s: %s", channel.channel_id, reason)
            raise ChannelUnavailable(channel, reason) from exc
