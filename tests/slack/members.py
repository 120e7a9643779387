"""Members of the fake Slack workspace: what they do becomes the events, slash commands and
interactive payloads Slack sends the app (see tests/support/members.py for the shared verbs)."""

from __future__ import annotations

import time
from typing import Any

from tests.slack.fake_web_api import Posted
from tests.slack.slack_side import Delivered, SlackSide
from tests.support.members import Member


class SlackMember(Member[tuple[Posted, Delivered]]):
    def __init__(self, side: SlackSide, user: str) -> None:
        super().__init__(side.api.users.get(user, {}).get("real_name", user), user)
        self.side = side
        self.api = side.api

    # ------------------------------------------------------------------ messages

    async def says(self, text: str, where: str | None = None) -> tuple[Posted, Delivered]:
        """A message in the practice channel (in the thread `where`); Slack sends the event."""
        posted = self.api.member_message(self.side.channel, self.id, text, where)
        event = self.side.event_callback(self.side.message_event(posted))
        return posted, await self.side.send_event(event)

    async def edits(
        self, said: tuple[Posted, Delivered] | Posted, text: str, *, where: str | None = None
    ) -> Delivered:
        posted = said[0] if isinstance(said, tuple) else said
        old = _as_event(posted)
        new = {**old, "text": text, "edited": {"user": posted.user, "ts": self.api.next_ts()}}
        posted.text = text
        posted.edited = True
        event = {
            "type": "message",
            "subtype": "message_changed",
            "hidden": True,
            "channel": posted.channel,
            "ts": self.api.next_ts(),
            "message": new,
            "previous_message": old,
            "channel_type": "channel",
        }
        return await self.side.send_event(self.side.event_callback(event))

    async def deletes(
        self, said: tuple[Posted, Delivered] | Posted, *, where: str | None = None
    ) -> Delivered:
        posted = said[0] if isinstance(said, tuple) else said
        posted.deleted = True
        event = {
            "type": "message",
            "subtype": "message_deleted",
            "hidden": True,
            "channel": posted.channel,
            "ts": self.api.next_ts(),
            "deleted_ts": posted.ts,
            "previous_message": _as_event(posted),
            "channel_type": "channel",
        }
        return await self.side.send_event(self.side.event_callback(event))

    async def opens_home(self) -> Delivered:
        event = {"type": "app_home_opened", "user": self.id, "channel": "D" + self.id}
        return await self.side.send_event(self.side.event_callback({**event, "tab": "home"}))

    # ------------------------------------------------------------------ commands and buttons

    async def runs(self, text: str) -> Delivered:
        """`/kata <text>` in the practice channel."""
        payload = self.side.command_payload(self.side.channel, self.id, text)
        return await self.side.transport.deliver("slash_commands", payload)

    async def presses(self, message: Posted, button: str) -> Delivered:
        """Press the button whose action id starts with `kata_<button>` on a bot message."""
        elements = [e for b in message.blocks if b.get("type") == "actions" for e in b["elements"]]
        pressed = next(e for e in elements if e["action_id"].startswith(f"kata_{button}_"))
        payload = {
            "type": "block_actions",
            "user": self.side.user_payload(self.id),
            "api_app_id": "AKATA",
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": message.ts,
                "channel_id": message.channel,
                "is_ephemeral": False,
            },
            "trigger_id": self.api.issue_trigger(),
            "team": {"id": self.api.team_id, "domain": "kata"},
            "channel": {"id": message.channel, "name": "design-practice"},
            "message": {
                "type": "message",
                "user": self.api.bot_user_id,
                "bot_id": self.api.bot_id,
                "ts": message.ts,
                "text": message.text,
                "blocks": message.blocks,
                **({"thread_ts": message.thread_ts} if message.thread_ts else {}),
            },
            "response_url": self.api.response_url(),
            "actions": [
                {
                    "type": "button",
                    "action_id": pressed["action_id"],
                    "block_id": "actions",
                    "text": pressed["text"],
                    "value": pressed.get("value", ""),
                    "action_ts": str(time.time()),
                }
            ],
        }
        return await self.side.transport.deliver("interactive", payload)

    async def presses_on_home(self, button: str, channel: str) -> Delivered:
        """Press `kata_<button>` for `channel` on this member's App Home tab (the payload names
        no channel and has no response_url: the home is no conversation)."""
        home = self.api.home_views[self.id]
        elements = [e for b in home["blocks"] if b.get("type") == "actions" for e in b["elements"]]
        pressed = next(
            e
            for e in elements
            if e["action_id"].startswith(f"kata_{button}_") and e.get("value") == channel
        )
        payload = {
            "type": "block_actions",
            "user": self.side.user_payload(self.id),
            "api_app_id": "AKATA",
            "token": "legacy-verification-token",
            "container": {"type": "view", "view_id": "VHOME"},
            "trigger_id": self.api.issue_trigger(),
            "team": {"id": self.api.team_id, "domain": "kata"},
            "view": {**home, "id": "VHOME"},
            "actions": [
                {
                    "type": "button",
                    "action_id": pressed["action_id"],
                    "block_id": "controls",
                    "text": pressed["text"],
                    "value": pressed["value"],
                    "action_ts": str(time.time()),
                }
            ],
        }
        return await self.side.transport.deliver("interactive", payload)

    async def picks(self, form: dict[str, Any], block_id: str, values: str) -> Delivered:
        """Change a multi-choice input of an open modal that dispatches its actions: Slack
        sends `block_actions` with the view and its state so far."""
        block = next(b for b in form["blocks"] if b.get("block_id") == block_id)
        element = block["element"]
        chosen = [o for o in element["options"] if o["value"] in values.split(",")]
        state = {
            block_id: {element["action_id"]: {"type": element["type"], "selected_options": chosen}}
        }
        payload = {
            "type": "block_actions",
            "user": self.side.user_payload(self.id),
            "api_app_id": "AKATA",
            "token": "legacy-verification-token",
            "container": {"type": "view", "view_id": form["id"]},
            "trigger_id": self.api.issue_trigger(),
            "team": {"id": self.api.team_id, "domain": "kata"},
            "view": {**form, "state": {"values": state}},
            "actions": [
                {
                    "type": element["type"],
                    "action_id": element["action_id"],
                    "block_id": block_id,
                    "selected_options": chosen,
                    "action_ts": str(time.time()),
                }
            ],
        }
        return await self.side.transport.deliver("interactive", payload)

    async def submits(self, form: dict[str, Any], values: dict[str, str]) -> Delivered:
        """Fill an opened modal's inputs with `values` (select values or typed text, several
        comma-separated for checkboxes and multi-selects), submit."""
        state: dict[str, Any] = {}
        for block in form["blocks"]:
            if block.get("type") != "input" or block["block_id"] not in values:
                continue
            element = block["element"]
            value = values[block["block_id"]]
            options = element.get("options") or [
                o for group in element.get("option_groups") or [] for o in group["options"]
            ]
            if element["type"] == "static_select":
                option = next(o for o in options if o["value"] == value)
                picked = {"type": "static_select", "selected_option": option}
            elif element["type"] == "timepicker":
                picked = {"type": "timepicker", "selected_time": value}
            elif element["type"] in ("checkboxes", "multi_static_select"):
                chosen = [o for o in options if o["value"] in value.split(",")]
                picked = {"type": element["type"], "selected_options": chosen}
            else:
                picked = {"type": "plain_text_input", "value": value}
            state[block["block_id"]] = {element["action_id"]: picked}
        payload = {
            "type": "view_submission",
            "team": {"id": self.api.team_id, "domain": "kata"},
            "user": self.side.user_payload(self.id),
            "api_app_id": "AKATA",
            "token": "legacy-verification-token",
            "trigger_id": self.api.issue_trigger(),
            "view": {**form, "state": {"values": state}, "hash": "1.abc"},
            "response_urls": [],
        }
        return await self.side.transport.deliver("interactive", payload)


def _as_event(posted: Posted) -> dict[str, Any]:
    """A member's message as it appears inside an edit or deletion event."""
    event = {"type": "message", "user": posted.user, "text": posted.text, "ts": posted.ts}
    if posted.thread_ts:
        event["thread_ts"] = posted.thread_ts
    return event
