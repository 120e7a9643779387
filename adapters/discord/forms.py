"""The core's Form as Discord modals.

A Discord modal holds at most five top-level components. Since discord.py 2.6 a select can
sit inside a modal (wrapped in `ui.Label`), so every kind of field fits; a form with more than
five fields is split into pages of five. Between pages the member gets an ephemeral message
with a "Continue" button, because Discord does not let a modal submission open another modal.
Values typed on earlier pages are kept in memory under a short token and prefilled when a page
is shown again (for instance after the core reported an error on it).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import discord

from adapters.discord.commands import answer_text
from adapters.text import clip
from bot.chat import Actor, Form, FormField

MODAL_COMPONENT_LIMIT = 5
MODAL_TITLE_LIMIT = 45
LABEL_LIMIT = 45
DESCRIPTION_LIMIT = 100
TYPED_HINTS = {"time": "HH:MM, e.g. 09:30", "zone": "Area/City, e.g. Europe/Berlin"}
"""Discord has no time or zone picker: those are typed, and the core reads them as typed."""
SELECT_OPTION_LIMIT = 25
TEXT_INPUT_LIMIT = 4000
SESSION_TTL_SECONDS = 30 * 60
ANSWER_LIMIT = 4000


def pages(form: Form) -> list[tuple[FormField, ...]]:
    """The form's fields in pages that each fit one modal."""
    fields = form.fields
    return [
        fields[i : i + MODAL_COMPONENT_LIMIT] for i in range(0, len(fields), MODAL_COMPONENT_LIMIT)
    ] or [()]


def page_of(form: Form, key: str) -> int:
    """The page holding field `key` (0 when unknown), to reopen after an error."""
    for index, page in enumerate(pages(form)):
        if any(f.key == key for f in page):
            return index
    return 0


def _uses_select(form_field: FormField) -> bool:
    return form_field.kind == "choice" and 0 < len(form_field.choices) <= SELECT_OPTION_LIMIT


def _uses_user_select(form_field: FormField) -> bool:
    """More members than a select can list: let Discord's member picker find them."""
    return (
        form_field.kind == "choice"
        and not form_field.multiple
        and all(c.value.isdigit() for c in form_field.choices)
    )


def field_item(form_field: FormField, value: str | None) -> discord.ui.Label:
    """One form field as a labelled modal component, prefilled with `value`."""
    current = value if value is not None else form_field.initial
    picked = set((current or "").split(",")) if form_field.multiple else {current}
    component: discord.ui.Item
    if _uses_select(form_field):
        component = discord.ui.Select(
            custom_id=form_field.key,
            placeholder=clip(form_field.placeholder or "Choose…", 150),
            min_values=1 if form_field.required else 0,
            max_values=len(form_field.choices) if form_field.multiple else 1,
            required=form_field.required,
            options=[
                discord.SelectOption(
                    label=clip(c.label, 100), value=c.value[:100], default=c.value in picked
                )
                for c in form_field.choices
            ],
        )
    elif _uses_user_select(form_field):
        component = discord.ui.UserSelect(
            custom_id=form_field.key,
            min_values=1 if form_field.required else 0,
            max_values=1,
            required=form_field.required,
            default_values=[discord.Object(int(current))] if current and current.isdigit() else [],
        )
    else:
        hint = form_field.placeholder or TYPED_HINTS.get(form_field.kind)
        if form_field.kind == "choice" and form_field.multiple:
            hint = f"{hint or 'Any'}: type them, comma-separated"
        elif form_field.kind == "choice" and not hint:
            hint = "Type a name"
        component = discord.ui.TextInput(
            custom_id=form_field.key,
            style=discord.TextStyle.paragraph
            if form_field.kind == "paragraph"
            else discord.TextStyle.short,
            placeholder=clip(hint, 100) if hint else None,
            default=current[:TEXT_INPUT_LIMIT] if current else None,
            required=form_field.required,
            max_length=min(form_field.max_length or TEXT_INPUT_LIMIT, TEXT_INPUT_LIMIT),
        )
    description = clip(form_field.hint, DESCRIPTION_LIMIT) if form_field.hint else None
    return discord.ui.Label(
        text=clip(form_field.label, LABEL_LIMIT), component=component, description=description
    )


@dataclass
class FormSession:
    """One member filling in one form, possibly across several modals."""

    token: str
    form: Form
    actor: Actor
    values: dict[str, str] = field(default_factory=dict)
    created: float = field(default_factory=time.monotonic)

    @property
    def page_count(self) -> int:
        return len(pages(self.form))


SubmitPage = Callable[[discord.Interaction, FormSession, int, dict[str, str]], Awaitable[None]]
SubmitAnswer = Callable[[discord.Interaction, str, str], Awaitable[None]]
"""Runs `answer …` as a command: (interaction, command text, request id)."""


class FormModal(discord.ui.Modal):
    """One page of a form; hands the typed values back to the adapter."""

    def __init__(self, session: FormSession, page: int, on_page: SubmitPage) -> None:
        count = session.page_count
        title = session.form.title if count == 1 else f"{session.form.title} ({page + 1}/{count})"
        super().__init__(
            title=clip(title, MODAL_TITLE_LIMIT),
            custom_id=f"kata:modal:{session.token}:{page}",
            timeout=SESSION_TTL_SECONDS,
        )
        self._session = session
        self._page = page
        self._on_page = on_page
        for form_field in pages(session.form)[page]:
            self.add_item(field_item(form_field, session.values.get(form_field.key)))

    def typed_values(self) -> dict[str, str]:
        """What the member entered on this page, keyed by the core's field keys."""
        values: dict[str, str] = {}
        for child in self.children:
            inner = child.component if isinstance(child, discord.ui.Label) else child
            if isinstance(inner, discord.ui.Select):
                values[inner.custom_id] = ",".join(inner.values)
            elif isinstance(inner, discord.ui.UserSelect):
                picked = inner.values[0] if inner.values else None
                values[inner.custom_id] = str(getattr(picked, "id", picked or ""))
            elif isinstance(inner, discord.ui.TextInput):
                values[inner.custom_id] = inner.value.strip()
        return values

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self._on_page(interaction, self._session, self._page, self.typed_values())


class FormSessions:
    """Forms in progress, by token; old ones are dropped so memory stays bounded."""

    def __init__(self) -> None:
        self._sessions: dict[str, FormSession] = {}

    def open(self, form: Form, actor: Actor) -> FormSession:
        self._prune()
        session = FormSession(token=secrets.token_hex(6), form=form, actor=actor)
        self._sessions[session.token] = session
        return session

    def get(self, token: str) -> FormSession | None:
        self._prune()
        return self._sessions.get(token)

    def close(self, token: str) -> None:
        self._sessions.pop(token, None)

    def _prune(self) -> None:
        cutoff = time.monotonic() - SESSION_TTL_SECONDS
        for token in [t for t, s in self._sessions.items() if s.created < cutoff]:
            del self._sessions[token]


class AnswerModal(discord.ui.Modal):
    """`/kata answer` without text: a paragraph for the answer and the stage it is for."""

    def __init__(
        self, on_answer: SubmitAnswer, origin: discord.Interaction, stage: str | None
    ) -> None:
        super().__init__(title="Your answer", custom_id=f"kata:answer:{origin.id}", timeout=900)
        self._on_answer = on_answer
        self._origin_id = origin.id
        self.stage: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="stage",
            required=False,
            max_length=100,
            default=stage,
            placeholder="Leave empty for the current stage",
        )
        self.text: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="answer",
            style=discord.TextStyle.paragraph,
            max_length=ANSWER_LIMIT,
            placeholder="Write your answer for this stage",
        )
        self.add_item(discord.ui.Label(text="Stage", component=self.stage))
        self.add_item(discord.ui.Label(text="Answer", component=self.text))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        text = answer_text(self.stage.value, self.text.value)
        await self._on_answer(interaction, text, str(self._origin_id))
