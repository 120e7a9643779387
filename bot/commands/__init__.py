"""The `/kata` commands: declarations (`catalogue`), who may run them (`access`), help.

This package's top level holds only what handlers need (errors, parsed words, declarations),
so a handler module can import it without importing every other handler.
"""

from bot.commands.help import usage_message
from bot.commands.registry import (
    MAX_COMMAND_CHARS,
    Access,
    Command,
    CommandError,
    Handler,
    Invocation,
    Parsed,
    Registry,
    Subcommand,
)

__all__ = [
    "MAX_COMMAND_CHARS",
    "Access",
    "Command",
    "CommandError",
    "Handler",
    "Invocation",
    "Parsed",
    "Registry",
    "Subcommand",
    "usage_message",
]
