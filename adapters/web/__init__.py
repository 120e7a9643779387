"""The read-only web page of a workspace's boards: `add_routes(app, kata, settings)` mounts it
on the bot's aiohttp server."""

from adapters.web.routes import add_routes

__all__ = ["add_routes"]
