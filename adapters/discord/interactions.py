"""Slash commands, button presses and modal submissions -> the core, and its Outcome back.

Discord wants an answer to every interaction within 3 seconds. The core gets `defer_after`
seconds (2 by default); if it is slower the interaction is deferred and the replies follow
as follow-up messages. Replies marked private are ephemeral.
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial
from typing import TYPE_CHECKING, Any

import discord

from adapters.discord.commands import discord_command_text
from adapters.discord.components import buttons_view, form_page_view
from adapters.discord.forms import AnswerModal, FormModal, FormSession, FormSessions, page_of
from adapters.discord.render import NO_PINGS, Rendered, escape, render
from adapters.discord.threads import ThreadParents
from adapters.discord.translate import (
    channel_name,
    interaction_actor,
    interaction_channel,
    interaction_thread,
)
from bot.chat import (
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
    from bot.port import Core

log = logging.getLogger(__name__)

SORRY = "Sorry, that did not work. Please try again in a moment."
EXPIRED = "This form has expired. Press the button again to start over."
DEFER_AFTER_SECONDS = 2.0


class Interactions:
    """Everything that starts with a member's click or slash command; the buttons' handler."""

    def __init__(self, kata: Core, forms: FormSessions, threads: ThreadParents) -> None:
        self.kata = kata
        self.words = partial(discord_command_text, declared=kata.commands)
        self.forms = forms
        self.threads = threads
        self.defer_after = DEFER_AFTER_SECONDS
        """Seconds to wait for the core before deferring an interaction (Discord allows 3)."""

    def channel_of(self, interaction: discord.Interaction) -> ChannelRef | None:
        return interaction_channel(interaction)

    def _thread_of(self, interaction: discord.Interaction) -> ThreadRef | None:
        thread = interaction_thread(interaction)
        if thread is not None:
            self.threads.remember(int(thread.thread_id), int(thread.channel.channel_id))
        return thread

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
            actor=interaction_actor(interaction),
            text=text,
            thread=self._thread_of(interaction),
            request_id=request_id or str(interaction.id),
            channel_name=channel_name(interaction),
        )
        await self.answer(interaction, event, quiet=False)

    async def open_answer_modal(self, interaction: discord.Interaction, stage: str | None) -> None:
        if self._thread_of(interaction) is None:
            await self._say(interaction, "Use /kata answer inside a round's thread.", private=True)
            return
        await interaction.response.send_modal(AnswerModal(self._run_answer, interaction, stage))

    async def _run_answer(
        self, interaction: discord.Interaction, text: str, request_id: str
    ) -> None:
        await self.run_command(interaction, text, request_id=request_id)

    async def on_button(self, interaction: discord.Interaction, action: str, value: str) -> None:
        channel = self.channel_of(interaction)
        if channel is None:
            await self._say(interaction, "This button only works in a server.", private=True)
            return
        event = ButtonPressed(
            channel=channel,
            actor=interaction_actor(interaction),
            action=action,
            value=value,
            thread=self._thread_of(interaction),
            request_id=str(interaction.id),
        )
        await self.answer(interaction, event, quiet=True)

    async def open_form_page(self, interaction: discord.Interaction, token: str, page: int) -> None:
        session = self.forms.get(token)
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
            actor=interaction_actor(interaction),
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
        responder = Responder(interaction)
        task = asyncio.ensure_future(self.kata.handle(event))
        done, _ = await asyncio.wait({task}, timeout=self.defer_after)
        try:
            if not done:
                await responder.defer(quiet=quiet)
            try:
                outcome = await task
            except Exception:
                log.exception("Discord: the core failed on %s", type(event).__name__)
                outcome = Outcome(replies=[Reply(text_message(SORRY))])
            await self.deliver(responder, outcome, quiet=quiet, session=session)
        except discord.HTTPException:
            log.exception("Discord: could not answer interaction %s", interaction.id)

    async def deliver(
        self,
        responder: Responder,
        outcome: Outcome,
        *,
        quiet: bool,
        session: FormSession | None = None,
    ) -> None:
        """Replies in order (private ones ephemeral), a form as a modal, form errors inline."""
        interaction = responder.interaction
        if session is not None and outcome.form_errors:
            await responder.send(form_errors_message(session, outcome.form_errors), private=True)
            return
        if session is not None:
            self.forms.close(session.token)
        if outcome.form is not None:
            new = self.forms.open(outcome.form, interaction_actor(interaction))
            if await responder.modal(FormModal(new, 0, self.on_form_page)):
                return
            # too late for a modal (deferred, or answering a modal): offer a button for it
            view = form_page_view(new.token, 0, "Open the form")
            await responder.send(Rendered(content=escape(outcome.form.title)), True, view)
        for reply in outcome.replies:
            for part in render(reply.message, self.words):
                await responder.send(part, private=reply.private)
        if not responder.answered:
            if quiet:
                await responder.acknowledge()
            else:
                done = "\u2705 Counted." if outcome.react else "\u2705 Done."
                await responder.send(Rendered(content=done), private=True)

    async def _say(self, interaction: discord.Interaction, text: str, *, private: bool) -> None:
        await Responder(interaction).send(Rendered(content=text), private=private)


def form_errors_message(session: FormSession, errors: dict[str, str]) -> Rendered:
    """What to fix, field by field, with a button that reopens the page of the first error."""
    labels = {f.key: f.label for f in session.form.fields}
    lines = [f"**{escape(labels.get(key, key))}:** {escape(text)}" for key, text in errors.items()]
    page = page_of(session.form, next(iter(errors)))
    rendered = Rendered(content=("Please check:\n" + "\n".join(lines))[:2000])
    rendered.view = form_page_view(session.token, page, "Fix and send again")
    return rendered


class Responder:
    """Sends one interaction's answers in order, whatever state its response is in.

    The first answer is the interaction response; after a "thinking" defer it replaces the
    placeholder (which is ephemeral, so a public first answer goes out as a follow-up and
    the placeholder just says done); everything else is a follow-up message.
    """

    def __init__(self, interaction: discord.Interaction) -> None:
        self.interaction = interaction
        self.answered = False
        self._placeholder = False

    async def defer(self, *, quiet: bool) -> None:
        if quiet:
            await self.interaction.response.defer()
        else:
            await self.interaction.response.defer(ephemeral=True, thinking=True)
            self._placeholder = True

    async def acknowledge(self) -> None:
        """A button press that needs no answer: acknowledge it without a message."""
        if not self.interaction.response.is_done():
            await self.interaction.response.defer()
        elif self._placeholder:
            await self.send(Rendered(content="\u2705 Done."), private=True)

    async def modal(self, modal: discord.ui.Modal) -> bool:
        """Open `modal` if Discord still allows it for this interaction."""
        response = self.interaction.response
        if response.is_done() or self.interaction.type is discord.InteractionType.modal_submit:
            return False
        await response.send_modal(modal)
        self.answered = True
        return True

    async def send(
        self, part: Rendered, private: bool, view: discord.ui.View | None = None
    ) -> None:
        kwargs: dict[str, Any] = {"allowed_mentions": NO_PINGS}
        if part.content:
            kwargs["content"] = part.content
        if part.embeds():
            kwargs["embeds"] = part.embeds()
        view = view or part.view or buttons_view(part.buttons)
        if view is not None:
            kwargs["view"] = view
        if part.attachments or part.pictures:
            kwargs["files"] = part.files()
        self.answered = True
        if not self.interaction.response.is_done():
            await self.interaction.response.send_message(ephemeral=private, **kwargs)
            return
        if self._placeholder:
            self._placeholder = False
            if private and "files" not in kwargs:
                await self.interaction.edit_original_response(**kwargs)
                return
            await self.interaction.edit_original_response(
                content="\u2705 Done.", allowed_mentions=NO_PINGS
            )
        await self.interaction.followup.send(ephemeral=private, **kwargs)
