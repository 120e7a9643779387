"""Buttons with stable custom ids, so presses keep working after the bot restarts.

`discord.ui.DynamicItem` matches a custom id against a template and rebuilds the item from it,
so no view has to stay in memory: `kata:<action>:<value>` for the core's buttons and
`kata:form:<token>:<page>` for "continue the form" buttons.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from adapters.discord.client import ButtonHandler, KataClient
from bot.chat import Button

BUTTON_LABEL_LIMIT = 80
CUSTOM_ID_LIMIT = 100


def _handler(interaction: discord.Interaction) -> ButtonHandler:
    client = interaction.client
    if not isinstance(client, KataClient) or client.buttons is None:
        raise TypeError("Design Kata buttons need a KataClient with a button handler")
    return client.buttons


class RoundButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=(
        r"kata:(?P<action>next|feedback|stats|vote|pause|resume|skip|now|edit)"
        r":(?P<value>[^:]{1,80})"
    ),
):
    """One of the core's buttons (next stage, give feedback, my stats, a schedule's
    controls)."""

    def __init__(self, action: str, value: str, label: str = "", primary: bool = False) -> None:
        custom_id = f"kata:{action}:{value}"
        if len(custom_id) > CUSTOM_ID_LIMIT:
            raise ValueError(f"button value too long for a Discord custom id: {value!r}")
        super().__init__(
            discord.ui.Button(
                label=(label or action)[:BUTTON_LABEL_LIMIT],
                style=discord.ButtonStyle.primary if primary else discord.ButtonStyle.secondary,
                custom_id=custom_id,
            )
        )
        self.action = action
        self.value = value

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> RoundButton:
        return cls(match["action"], match["value"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _handler(interaction).on_button(interaction, self.action, self.value)


class FormPageButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"kata:form:(?P<token>[0-9a-f]{4,32}):(?P<page>\d{1,2})",
):
    """Opens one page of a form the member is filling in."""

    def __init__(self, token: str, page: int, label: str = "Continue") -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:BUTTON_LABEL_LIMIT],
                style=discord.ButtonStyle.primary,
                custom_id=f"kata:form:{token}:{page}",
            )
        )
        self.token = token
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> FormPageButton:
        return cls(match["token"], int(match["page"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _handler(interaction).open_form_page(interaction, self.token, self.page)


def buttons_view(buttons: tuple[Button, ...]) -> discord.ui.View | None:
    """The core's buttons as a view (five to a row), or None when there are none."""
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for button in buttons[:25]:
        view.add_item(RoundButton(button.action, button.value, button.label, button.primary))
    return view


def form_page_view(token: str, page: int, label: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(FormPageButton(token, page, label))
    return view
