"""The core's own small chat vocabulary.

Adapters translate platform payloads into these types at the edge and back again, so nothing
in `bot/` ever sees Slack JSON or a discord.py object. Every type is a frozen dataclass that
carries plain data only (no live client), which keeps them safe to log, compare and store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Platform = str
"""`"slack"`, `"discord"`, `"console"` or `"memory"` (tests)."""


@dataclass(frozen=True)
class ChannelRef:
    """A channel a team practises in.

    Slack: team id + channel id. Discord: guild id + text channel id. Console: "local".
    """

    platform: Platform
    workspace_id: str
    channel_id: str


@dataclass(frozen=True)
class ThreadRef:
    """The thread a round lives in.

    Slack: the `ts` of the prompt message. Discord: the id of the thread channel started from
    the prompt message (its parent is `channel`).
    """

    channel: ChannelRef
    thread_id: str


@dataclass(frozen=True)
class UserRef:
    platform: Platform
    workspace_id: str
    user_id: str


@dataclass(frozen=True)
class MessageRef:
    """A message the platform gave an id to. `message_id` is unique within its channel for
    good, across restarts (Slack `ts`, Discord snowflake): answers are deduplicated by it."""

    channel: ChannelRef
    message_id: str
    thread: ThreadRef | None = None


@dataclass(frozen=True)
class Actor:
    """The member behind an inbound event, described by the adapter.

    `is_admin` is the platform's own notion (Slack workspace admin/owner, Discord Manage
    Server or Administrator); the core adds the member who ran `setup` on top of it.
    """

    user: UserRef
    display_name: str
    is_admin: bool = False
    timezone: str | None = None
    """The member's own IANA zone where the platform tells (Slack `users.info` tz); a set-up
    form starts from it."""


# ---------------------------------------------------------------- outgoing


@dataclass(frozen=True)
class Field:
    label: str
    value: str


@dataclass(frozen=True)
class Link:
    """A link shown as its label (a member's name linking to their answer). The label is plain
    text like every other; the URL comes from the platform itself (`port.message_link`)."""

    label: str
    url: str


@dataclass(frozen=True)
class Section:
    """A block of plain text with an optional heading and label/value fields.

    All text is plain: adapters escape it for their markup (mrkdwn, Discord markdown) and
    style headings their own way, so user text echoed back can never ping anyone. `links`
    follow the text on one line, each shown as its label (Slack `<url|label>`, Discord
    `[label](url)`; plain text prints `label <url>`).
    """

    text: str = ""
    heading: str | None = None
    fields: tuple[Field, ...] = ()
    buttons: tuple[Button, ...] = ()
    """Buttons about this section only (a channel's controls on Slack's App Home)."""
    links: tuple[Link, ...] = ()


ButtonAction = Literal[
    "next", "feedback", "stats", "vote", "pause", "resume", "skip", "now", "edit"
]
"""The schedule's controls (`pause` … `edit`) carry the channel's platform id as `value`."""
SCHEDULE_CONTROLS: frozenset[str] = frozenset({"pause", "resume", "skip", "now", "edit"})
"""Button actions about a channel's schedule rather than a round (`bot.schedule_form`)."""


@dataclass(frozen=True)
class Button:
    """A button under a message. `value` is opaque to adapters (the core puts a round id in it)
    and comes back unchanged in `ButtonPressed`."""

    action: ButtonAction
    label: str
    value: str
    primary: bool = False


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message (CSV exports)."""

    filename: str
    content: bytes
    mime_type: str = "text/csv"


@dataclass(frozen=True)
class Once:
    """Makes a scheduled post happen once. `key` names the post for good; `retry` says an
    earlier attempt may have reached the platform without its answer reaching us (a timeout,
    a 5xx after the post was accepted, a kill), so the adapter must look for a post carrying
    `key` before posting again. Slack: the message's `metadata`; Discord: the `nonce` with
    `enforce_nonce`."""

    key: str
    retry: bool = False


@dataclass(frozen=True)
class Picture:
    """A chart drawn by the core (PNG), shown inline where the platform can: Slack uploads it,
    Discord shows it as an embed's image, the console saves it. `alt` is what a screen reader
    says and what a text-only fallback prints."""

    png: bytes
    alt: str
    filename: str


@dataclass(frozen=True)
class OutgoingMessage:
    title: str | None = None
    sections: tuple[Section, ...] = ()
    buttons: tuple[Button, ...] = ()
    footer: str | None = None
    attachments: tuple[Attachment, ...] = ()
    pictures: tuple[Picture, ...] = ()

    def plain_text(self) -> str:
        """The whole message as plain text: console output, notification fallbacks, tests."""
        parts: list[str] = []
        if self.title:
            parts.append(self.title)
        for section in self.sections:
            lines: list[str] = []
            if section.heading:
                lines.append(section.heading)
            if section.text:
                lines.append(section.text)
            if section.links:
                lines.append(" · ".join(f"{k.label} <{k.url}>" for k in section.links))
            lines.extend(f"{f.label}: {f.value}" for f in section.fields)
            if lines:
                parts.append("\n".join(lines))
        if self.buttons:
            parts.append("  ".join(f"[{b.label}]" for b in self.buttons))
        if self.footer:
            parts.append(self.footer)
        return "\n\n".join(parts)


def text_message(text: str, title: str | None = None) -> OutgoingMessage:
    return OutgoingMessage(title=title, sections=(Section(text=text),))


# ---------------------------------------------------------------- forms


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class FormField:
    """One input of a form.

    `choice` renders as a select (Slack static_select, Discord select menu); `text` as a
    single line and `paragraph` as a multi-line text input. `time` (HH:MM) and `zone` (an IANA
    zone from `bot.timezones.city_zones`) use the platform's own picker where it has one.
    """

    key: str
    label: str
    kind: Literal["choice", "text", "paragraph", "time", "zone"]
    required: bool = False
    choices: tuple[Choice, ...] = ()
    placeholder: str | None = None
    initial: str | None = None
    max_length: int | None = None
    multiple: bool = False
    """A `choice` where several may be picked; its value comes back comma-separated."""
    hint: str | None = None
    """A line under the input (how many prompts a filter leaves, say)."""


@dataclass(frozen=True)
class Form:
    """A form the core asks an adapter to show (Slack modal, Discord modal).

    `form_id` and `context` must come back unchanged in `FormSubmitted`; adapters carry them
    in Slack's `callback_id`/`private_metadata` or in a Discord custom id. Platforms with a
    cap on inputs per form (Discord: five) may split the fields across steps.
    """

    form_id: str
    title: str
    context: str
    fields: tuple[FormField, ...]
    submit_label: str = "Submit"


SCHEDULE_FORM_ID = "schedule"
"""The set-up form's `form_id`; its `context` is the channel's platform id."""


# ---------------------------------------------------------------- inbound events


@dataclass(frozen=True)
class CommandInvoked:
    """`/kata <text>`: `text` is everything after `/kata`, e.g. `setup 09:00 Europe/Berlin`.

    Adapters with typed options (Discord) join them back into this one line.
    """

    channel: ChannelRef
    actor: Actor
    text: str
    thread: ThreadRef | None = None
    request_id: str | None = None
    """The platform's id for this request (Discord interaction id, Slack trigger id), never
    reused, even by another process; `answer` uses it so a command delivered twice records one
    answer."""
    channel_name: str | None = None
    """The channel's name as people see it (without '#'), for places like Slack's App Home."""


@dataclass(frozen=True)
class MessagePosted:
    """A member's message. Only messages inside a round's thread count as answers.

    `message.channel` is the channel the round belongs to (for Discord, the thread's parent
    text channel) and `message.thread` the round's thread, or None outside any thread.
    """

    message: MessageRef
    actor: Actor
    text: str
    at: datetime | None = None


@dataclass(frozen=True)
class MessageEdited:
    message: MessageRef
    actor: Actor
    text: str
    replaces: str | None = None
    """For an edit read back from the platform: the stored text it was compared with. If the
    answer no longer holds it, a live edit came in meanwhile and is the newer one."""


@dataclass(frozen=True)
class MessageDeleted:
    message: MessageRef


@dataclass(frozen=True)
class ButtonPressed:
    channel: ChannelRef
    actor: Actor
    action: str
    value: str
    thread: ThreadRef | None = None
    request_id: str | None = None
    """The platform's id for this press (Slack trigger id, Discord interaction id)."""


@dataclass(frozen=True)
class FormSubmitted:
    actor: Actor
    form_id: str
    context: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ReactionChanged:
    """A member added (`added`) or removed an emoji reaction on a message.

    `emoji` is the emoji's Slack-style name (`trophy`); adapters of platforms that send the
    character (Discord's 🏆) translate it. `message.channel` is the round's channel and
    `message.thread` its thread, as for `MessagePosted`.
    """

    message: MessageRef
    actor: Actor
    emoji: str
    added: bool = True


InboundEvent = (
    CommandInvoked
    | MessagePosted
    | MessageEdited
    | MessageDeleted
    | ButtonPressed
    | FormSubmitted
    | ReactionChanged
)


@dataclass(frozen=True)
class Reply:
    """An answer to the event's sender: ephemeral/private when `private` (Slack ephemeral,
    Discord ephemeral interaction response), otherwise visible in the channel."""

    message: OutgoingMessage
    private: bool = True


@dataclass
class Outcome:
    """What the adapter must do in answer to one inbound event.

    Replies and forms travel back as a return value, not through the port, because both
    platforms tie them to the inbound request (Slack `response_url`/`trigger_id`, a Discord
    interaction token), which only the adapter holds.

    - `replies`: messages for the sender, in order.
    - `form`: a form to open in answer to a button or command (needs the trigger).
    - `form_errors`: for `FormSubmitted`, field key -> message; adapters show them inline
      (Slack `response_action: errors`) or as an ephemeral message, and keep the form open.
    - `react`: an emoji name (`white_check_mark`) to add to the inbound message (answers).
    """

    replies: list[Reply] = field(default_factory=list)
    form: Form | None = None
    form_errors: dict[str, str] = field(default_factory=dict)
    react: str | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(r.message.plain_text() for r in self.replies)
