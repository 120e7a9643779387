"""A member's actions, written the same way on every platform.

Tests read like a chat transcript: `bo.says(...)`, `bo.edits(...)`, `bo.deletes(...)`,
`bo.presses(...)`, `bo.submits(...)`. Each platform's member builds the payloads that
platform sends for the action and hands them to its fake; what an action returns (a message
id, an acknowledgement) is the platform's.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Generic, TypeVar

Said = TypeVar("Said")
"""What `says` returns and `edits`/`deletes` take: the platform's handle on the message."""


class Member(ABC, Generic[Said]):
    def __init__(self, name: str, user_id: str) -> None:
        self.name = name
        self.id = user_id

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    @abstractmethod
    async def says(self, text: str, where: str | None = None) -> Said:
        """Post `text` in the practice channel, or in the thread `where`."""

    @abstractmethod
    async def edits(self, said: Said, text: str, *, where: str | None = None) -> Any:
        """Change what the member said."""

    @abstractmethod
    async def deletes(self, said: Said, *, where: str | None = None) -> Any:
        """Delete what the member said."""

    @abstractmethod
    async def presses(self, message: Any, button: str) -> Any:
        """Press `button` on one of the bot's messages."""

    @abstractmethod
    async def submits(self, form: Any, values: Any) -> Any:
        """Fill in a form the bot opened and send it."""
