"""Design Kata on Slack: `SlackAdapter(kata, settings)`, then `await adapter.start()`."""

from adapters.slack.adapter import EVENTS_PATH, SlackAdapter, SlackSetupError

__all__ = ["EVENTS_PATH", "SlackAdapter", "SlackSetupError"]
