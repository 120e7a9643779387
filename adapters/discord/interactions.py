"""Slash commands, button presses and modal submissions -> the core, and its Outcome back.

Discord wants an answer to every interaction within 3 seconds. The core gets `defer_after`
seconds (2 by default); if it is slower the interaction is deferred and the replies follow
as follow-up messages. Replies marked private are ephemeral.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import discord

from adapters.discord.components import buttons_view, form_page_view
from adapters.discord.forms import AnswerModal, FormModal, FormSession, page_of
from adapters.discord.inbound import actor_of
from adapters.discord.render import NO_PINGS, Rendered, render
from bot.chat import (
    Actor,
    ButtonPressed,
    ChannelRef,
    CommandInvoked,
    FormSubmitted,
    InboundEvent,
    Outcome,
    Reply,
    ThreadRef,
    text_message,
)

if TYPE_CHECKING:
    from adapters.discord.adapter import DiscordAdapter
    from bot.core import Kata

log = logging.getLogger(__name__)

SORRY = "Sorry, that did not work. Please try again in a moment."
EXPIRED = "This form has expired. Press the button again to start over."


class Interactions:
    """Everything that starts with a member's click or slash command."""

    def __init__(self, adapter: DiscordAdapter) -> None:
        self.adapter = adapter

    @property
    def kata(self) -> Kata:
        return self.adapter.kata

    # ------------------------------------------------------------------ where and who

    def channel_of(self, interaction: discord.Interaction) -> ChannelRef | None:
        """The channel a command concerns: a thread's parent, or the channel itself."""
        if interaction.guild_id is None or interaction.channel_id is None:
            return None
        channel = interaction.channel
        channel_id = interaction.channel_id
        if isinstance(channel, discord.Thread) and channel.parent_id:
            channel_id = channel.parent_id
        return ChannelRef("discord", str(interaction.guild_id), str(channel_id))

    def _thread_of(self, interaction: discord.Interaction) -> ThreadRef | None:
        channel = interaction.channel
        if not isinstance(channel, discord.Thread) or not channel.parent_id:
            return None
        self.adapter.inbound.remember_thread(channel.id, channel.parent_id)
        parent = ChannelRef("discord", str(interaction.guild_id), str(channel.parent_id))
        return ThreadRef(channel=parent, thread_id=str(channel.id))

    def _actor(self, interaction: discord.Interaction) -> Actor:
        assert interaction.guild_id is not None
        return actor_of(interaction.user, interaction.guild_id, interaction.permissions)

    # ------------------------------------------------------------------ entry points

    async def run_command(
        self, interaction: discord.Interaction, text: str, request_id: str | None = None
    ) -> None:
        channel = self.channel_of(interaction)
        if channel is None:
            await self._say(interaction, "Use /kata in a server channel.", private=True)
            return
        event = CommandInvoked(
            channel=channel,
            actor=self._actor(interaction),
            text=text,
            thread=self._thread_of(interaction),
            request_id=request_id or str(interaction.id),
        )
        await self.answer(interaction, event, quiet=False)

    async def open_answer_modal(self, interaction: discord.Interaction, stage: str | None) -> None:
        if self._thread_of(interaction) is None:
            await self._say(interaction, "Use /kata answer inside a round's thread.", private=True)
            return
        await interaction.response.send_modal(AnswerModal(self, interaction, stage))

    async def on_button(self, interaction: discord.Interaction, action: str, value: str) -> None:
        channel = self.channel_of(interaction)
        if channel is None:
            await self._say(interaction, "This button only works in a server.", private=True)
            return
        event = ButtonPressed(
            channel=channel,
            actor=self._actor(interaction),
            action=action,
            value=value,
            thread=self._thread_of(interaction),
        )
        await self.answer(interaction, event, quiet=True)

    async def open_form_page(self, interaction: discord.Interaction, token: str, page: int) -> None:
        session = self.adapter.forms.get(token)
        if session is None or session.actor.user.user_id != str(interaction.user.id):
            await self._say(interaction, EXPIRED, private=True)
            return
        page = min(page, session.page_count - 1)
        await interaction.response.send_modal(FormModal(session, page, self.on_form_page))

    async def on_form_page(
        self,
        interaction: discord.Interaction,
        session: FormSession,
        page: int,
        values: dict[str, str],
    ) -> None:
        session.values.update(values)
        if page + 1 < session.page_count:
            step = f"Step {page + 1} of {session.page_count} saved."
            await interaction.response.send_message(
                step,
                view=form_page_view(
                    session.token, page + 1, f"Continue ({page + 2}/{session.page_count})"
                ),
                ephemeral=True,
            )
            return
        event = FormSubmitted(
            actor=self._actor(interaction),
            form_id=session.form.form_id,
            context=session.form.context,
            values={k: v for k, v in session.values.items() if v},
        )
        await self.answer(interaction, event, quiet=False, session=session)

    # ------------------------------------------------------------------ the core's outcome

    async def answer(
        self,
        interaction: discord.Interaction,
        event: InboundEvent,
        *,
        quiet: bool,
        session: FormSession | None = None,
    ) -> None:
        """Ask the core, deferring if it is slow, then deliver what it returned.

        `quiet` (buttons): an outcome without replies just acknowledges the click.
        """
        task = asyncio.ensure_future(self.kata.handle(event))
        done, _ = await asyncio.wait({task}, timeout=self.adapter.defer_after)
        deferred = not done
        if deferred:
            if quiet:
                await interaction.response.defer()
            else:
                await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            outcome = await task
        except Exception:
            log.exception("Discord: the core failed on %s", type(event).__name__)
            outcome = Outcome(replies=[Reply(text_message(SORRY))])
        try:
            await self.deliver(
                interaction, outcome, deferred=deferred, quiet=quiet, session=session
            )
        except discord.HTTPException:
            log.exception("Discord: could not answer interaction %s", interaction.id)

    async def deliver(
        self,
        interaction: discord.Interaction,
        outcome: Outcome,
        *,
        deferred: bool,
        quiet: bool,
        session: FormSession | None = None,
    ) -> None:
        if session is not None and outcome.form_errors:
            await self._form_errors(interaction, session, outcome.form_errors, deferred=deferred)
            return
        if session is not None:
            self.adapter.forms.close(session.token)
        if outcome.form is not None:
            new = self.adapter.forms.open(outcome.form, self._actor(interaction))
            if not deferred and not interaction.response.is_done():
                await interaction.response.send_modal(FormModal(new, 0, self.on_form_page))
                return
            view = form_page_view(new.token, 0, "Open the form")
            await interaction.followup.send(
                outcome.form.title[:2000], view=view, ephemeral=True, allowed_mentions=NO_PINGS
            )
            if not outcome.replies:
                return
        parts = [(p, r.private) for r in outcome.replies for p in render(r.message)]
        if not parts:
            if quiet and not deferred:
                await interaction.response.defer()
            elif not quiet:
                done = "\u2705 Counted." if outcome.react else "\u2705 Done."
                await self._send_part(
                    interaction, Rendered(content=done), True, deferred, first=True
                )
            return
        for index, (part, private) in enumerate(parts):
            await self._send_part(interaction, part, private, deferred, first=index == 0)

    async def _send_part(
        self,
        interaction: discord.Interaction,
        part: Rendered,
        private: bool,
        deferred: bool,
        *,
        first: bool,
    ) -> None:
        kwargs: dict[str, Any] = {"allowed_mentions": NO_PINGS}
        if part.content:
            kwargs["content"] = part.content
        if part.embed is not None:
            kwargs["embed"] = part.embed
        view = buttons_view(part.buttons)
        if view is not None:
            kwargs["view"] = view
        if part.attachments:
            kwargs["files"] = part.files()
        if not interaction.response.is_done():
            await interaction.response.send_message(ephemeral=private, **kwargs)
        elif first and deferred and private and not kwargs.get("files"):
            kwargs.pop("allowed_mentions")
            await interaction.edit_original_response(allowed_mentions=NO_PINGS, **kwargs)
        else:
            await interaction.followup.send(ephemeral=private, **kwargs)

    async def _form_errors(
        self,
        interaction: discord.Interaction,
        session: FormSession,
        errors: dict[str, str],
        *,
        deferred: bool,
    ) -> None:
        labels = {f.key: f.label for f in session.form.fields}
        lines = [f"**{labels.get(key, key)}:** {message}" for key, message in errors.items()]
        page = page_of(session.form, next(iter(errors)))
        view = form_page_view(session.token, page, "Fix and send again")
        text = "Please check:\n" + "\n".join(lines)
        if not deferred and not interaction.response.is_done():
            await interaction.response.send_message(
                text[:2000], view=view, ephemeral=True, allowed_mentions=NO_PINGS
            )
        else:
            await interaction.followup.send(
                text[:2000], view=view, ephemeral=True, allowed_mentions=NO_PINGS
            )

    async def _say(self, interaction: discord.Interaction, text: str, *, private: bool) -> None:
        part = Rendered(content=text)
        await self._send_part(interaction, part, private, deferred=False, first=True)
