"""Members of the fake server, doing what people do in Discord: post, edit, delete, run
slash commands, press buttons and fill in modals. Each action is a gateway event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adapters.discord.commands import KATA, group_name
from bot.commands.catalogue import COMMANDS
from tests.discord import payloads as p
from tests.discord.fake_discord import FakeDiscord
from tests.support.members import Member

SLASH, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5


@dataclass(frozen=True)
class UserOption:
    """A `discord.Member` option value: the member's user id."""

    user_id: str


class Person(Member[str]):
    """A member of the fake server; what they say is known by its message id."""

    def __init__(self, fake: FakeDiscord, name: str, *, admin: bool = False) -> None:
        super().__init__(name, fake.add_member(name, admin=admin))
        self.fake = fake

    # ------------------------------------------------------------------ messages

    async def says(self, text: str, where: str | None = None) -> str:
        message = self.writes(text, where)
        await self.fake.gateway.dispatch("MESSAGE_CREATE", message)
        return message["id"]

    def writes(self, text: str, where: str | None = None) -> dict[str, Any]:
        """A message that Discord now holds, with no gateway event (the bot was away)."""
        channel_id = where or self.fake.channel_id
        message = p.message(
            p.snowflake(),
            channel_id,
            self.fake.users[self.id],
            text if self.fake.message_content else "",
            guild_id=self.fake.guild_id,
            member_payload=self.fake.members[self.id],
        )
        self.fake.member_messages[message["id"]] = message
        return message

    async def edits(self, said: str, text: str, *, where: str | None = None) -> None:
        message = p.message(
            said,
            where or self.fake.channel_id,
            self.fake.users[self.id],
            text,
            guild_id=self.fake.guild_id,
            member_payload=self.fake.members[self.id],
        )
        message["edited_timestamp"] = p.now_iso()
        self.fake.member_messages[said] = message
        await self.fake.gateway.dispatch("MESSAGE_UPDATE", message)

    async def deletes(self, said: str, *, where: str | None = None) -> None:
        channel_id = where or self.fake.channel_id
        data = {"id": said, "channel_id": channel_id, "guild_id": self.fake.guild_id}
        self.fake.member_messages.pop(said, None)
        await self.fake.gateway.dispatch("MESSAGE_DELETE", data)

    # ------------------------------------------------------------------ interactions

    def _interaction(self, kind: int, data: dict[str, Any], where: str | None) -> dict[str, Any]:
        fake = self.fake
        channel_id = where or fake.channel_id
        member = {**fake.members[self.id], "permissions": str(fake.permissions_of(self.id))}
        return {
            "id": p.snowflake(),
            "application_id": fake.app_id,
            "type": kind,
            "data": data,
            "guild_id": fake.guild_id,
            "guild": {"id": fake.guild_id, "locale": "en-US", "features": []},
            "channel_id": channel_id,
            "channel": fake.channels[channel_id],
            "member": member,
            "token": fake.new_token(channel_id),
            "version": 1,
            "app_permissions": str(p.EVERYONE_PERMISSIONS),
            "locale": "en-GB",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": fake.guild_id},
            "context": 0,
            "attachment_size_limit": 10485760,
        }

    async def _send(self, kind: int, data: dict[str, Any], where: str | None) -> str:
        payload = self._interaction(kind, data, where)
        await self.fake.send_interaction(payload)
        return payload["id"]

    async def slash(self, *path: str, where: str | None = None, **options: Any) -> str:
        """`/kata <path...> option:value`, as Discord nests subcommand groups and options."""
        data, resolved = _command_data(self.fake, path, options)
        return await self._send(SLASH, {**data, "resolved": resolved}, where)

    async def autocomplete(self, *path: str, focus: str, where: str | None = None, **options: Any):
        data, _ = _command_data(self.fake, path, options, focus=focus)
        return await self._send(AUTOCOMPLETE, data, where)

    async def presses(self, message: dict[str, Any], button: str) -> str:
        """Press the button with custom id `button` on `message`."""
        data = {"custom_id": button, "component_type": 2}
        payload = self._interaction(COMPONENT, data, message["channel_id"])
        payload["message"] = message
        await self.fake.send_interaction(payload)
        return payload["id"]

    async def submits(
        self, form: str, values: dict[str, str | list[str]], *, where: str | None = None
    ) -> str:
        """A modal submission: strings fill text inputs, lists answer selects."""
        components = []
        for key, value in values.items():
            if isinstance(value, list):
                inner: dict[str, Any] = {"type": 3, "custom_id": key, "values": value}
            else:
                inner = {"type": 4, "custom_id": key, "value": value}
            components.append({"type": 18, "id": len(components) + 1, "component": inner})
        return await self._send(MODAL_SUBMIT, {"custom_id": form, "components": components}, where)


def _command_data(
    fake: FakeDiscord, path: tuple[str, ...], options: dict[str, Any], focus: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    resolved: dict[str, Any] = {"users": {}, "members": {}}
    leaf = []
    for name, value in options.items():
        option: dict[str, Any] = {"name": name}
        if isinstance(value, UserOption):
            option.update(type=6, value=value.user_id)
            resolved["users"][value.user_id] = fake.users[value.user_id]
            member = {k: v for k, v in fake.members[value.user_id].items() if k != "user"}
            resolved["members"][value.user_id] = {**member, "permissions": "0"}
        elif isinstance(value, bool):
            option.update(type=5, value=value)
        elif isinstance(value, int):
            option.update(type=4, value=value)
        else:
            option.update(type=3, value=value)
        if name == focus:
            option["focused"] = True
        leaf.append(option)
    options_tree: list[dict[str, Any]] = leaf
    for depth, name in reversed(list(enumerate(path))):
        kind = 1 if depth == len(path) - 1 else 2
        options_tree = [{"type": kind, "name": name, "options": options_tree}]
    declared = COMMANDS.lookup(path[0]) if path else None
    top = group_name(declared) if declared is not None else KATA
    data = {
        "id": fake.command_ids.get(top, "0"),
        "name": top,
        "type": 1,
        "guild_id": fake.guild_id,
        "options": options_tree,
    }
    return data, resolved
