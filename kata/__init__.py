"""The composition root: the `kata` command, and the core put together with its adapters.

It lives outside `bot/` so that the core never imports a platform: only this package knows
that Slack, Discord and the console exist.
"""
