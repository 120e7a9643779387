"""The terminal adapter: try Design Kata with no platform token."""

from adapters.console.adapter import ConsoleAdapter

__all__ = ["ConsoleAdapter"]
