"""Help and usage replies, written from the registry's declarations."""

from __future__ import annotations

from collections.abc import Mapping

from bot.chat import OutgoingMessage, Section
from bot.commands.registry import Access, Command, Registry


def usage_message(error: str, spec: Command | None) -> OutgoingMessage:
    if spec is None:
        return OutgoingMessage(sections=(Section(text=error),))
    return OutgoingMessage(
        sections=(
            Section(text=error),
            Section(fields=(), text=f"Usage: /kata {spec.usage}\nExample: {spec.example}"),
        )
    )


def _admin_parts(command: Command) -> str:
    subs = [s.name for s in command.subcommands if s.access is not Access.MEMBER]
    return f"{', '.join(subs)}: " if subs and not command.admin else ""


def _listing_note(command: Command) -> str:
    if command.admin:
        return " (admin)"
    parts = _admin_parts(command)
    return f" ({parts}admin)" if parts else ""


def help_message(
    registry: Registry, topic: str | None = None, notes: Mapping[str, Section] | None = None
) -> OutgoingMessage:
    """All commands, or one; `notes` adds a section to a command's help (answer: its stages)."""
    if topic:
        command = registry.lookup(topic)
        if command is None:
            return usage_message(str(registry.unknown_command(topic)), None)
        parts = _admin_parts(command)
        admin = f" ({parts}{Access.ADMIN.value})" if command.admin or parts else ""
        note = (notes or {}).get(command.name)
        return OutgoingMessage(
            title=f"/kata {command.name}",
            sections=(
                Section(text=f"{command.summary}{admin}."),
                Section(text=f"Usage: /kata {command.usage}\nExample: {command.example}"),
                *((note,) if note else ()),
            ),
        )
    lines = [f"/kata {c.name}: {c.summary}{_listing_note(c)}" for c in registry]
    return OutgoingMessage(
        title="Design Kata: daily ML system design practice",
        sections=(
            Section(
                text="Every practice day a design prompt arrives as a thread, followed by the "
                "stages of a good answer: requirements first, then framing, metrics, data, "
                "model, serving and monitoring. Reply in the thread, review a teammate, keep "
                "your streak."
            ),
            Section(heading="Commands", text="\n".join(lines)),
        ),
    )
