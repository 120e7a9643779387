"""The web page's routes on an aiohttp `Application`: the page and its pictures as HTML and
PNG; what they show, and whether a link opens anything, is the core's (`bot.web_pages`).

Every request proves itself with the signed link's `until` and `sig`; there is no other way
in. Refusals are small friendly pages: 403 for a forged link or one that points outside its
workspace, 410 for an expired one, 500 (logged) if something breaks. Responses are never
indexed and never leak the link through a Referer header; the page needs no JavaScript, so
the content security policy forbids scripts altogether.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape

from bot.web_pages import PICTURE_NAMES, Refused, WebPages, mount

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.web_pages import Deps

log = logging.getLogger(__name__)

PAGE_PATH = "/kata/web/{workspace:\\d+}/{scope:(all|\\d+)}"
PICTURE_PATH = PAGE_PATH + "/{name:(" + "|".join(PICTURE_NAMES) + ")}.png"
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
}
REFUSALS = {
    "forged": (
        403,
        "This link does not open anything",
        "It may have been copied only in part or changed, or the bot's web secret was "
        "changed, which turns off every earlier link. Ask the bot for a new one with "
        "/kata web.",
    ),
    "expired": (
        410,
        "This link has expired",
        "Links to the boards work for a week. Ask the bot for a new one with /kata web.",
    ),
    "elsewhere": (
        403,
        "This link does not open anything",
        "It names a channel that is not part of its workspace. Ask the bot for a new one "
        "with /kata web in the channel you want to see.",
    ),
    "broken": (
        500,
        "Something went wrong on our side",
        "The page could not be put together just now. Try again in a minute; if it keeps "
        "happening, tell whoever runs the bot.",
    ),
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class WebRoutes:
    def __init__(self, pages: WebPages) -> None:
        self.pages = pages
        self.templates = Environment(
            loader=PackageLoader("adapters.web"),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def refusal(self, reason: str) -> web.Response:
        status, title, text = REFUSALS[reason]
        html = self.templates.get_template("refused.html").render(title=title, text=text)
        return web.Response(
            text=html, status=status, content_type="text/html", headers=dict(HEADERS)
        )

    def guarded(self, handler: Handler) -> Handler:
        """A failure inside a handler is logged and shown as a short apology, never a trace."""

        async def guard(request: web.Request) -> web.StreamResponse:
            try:
                return await handler(request)
            except Exception:
                log.exception("the web page failed for %s", request.path)
                return self.refusal("broken")

        return guard

    @staticmethod
    def _proof(request: web.Request) -> tuple[str, str, str | None, str | None]:
        found = request.match_info
        return (
            found["workspace"],
            found["scope"],
            request.query.get("until"),
            request.query.get("sig"),
        )

    async def page(self, request: web.Request) -> web.StreamResponse:
        view = await self.pages.view(*self._proof(request))
        if isinstance(view, Refused):
            return self.refusal(view.reason)
        html = self.templates.get_template("page.html").render(view=view, page=view.page)
        return web.Response(text=html, content_type="text/html", headers=dict(HEADERS))

    async def picture(self, request: web.Request) -> web.StreamResponse:
        picture = await self.pages.picture(*self._proof(request), request.match_info["name"])
        if isinstance(picture, Refused):
            return self.refusal(picture.reason)
        headers = {**HEADERS, "Cache-Control": "private, max-age=300"}
        return web.Response(body=picture.png, content_type="image/png", headers=headers)


def add_routes(app: web.Application, kata: Deps, settings: Settings) -> WebRoutes:
    """Serve the page on `app` (the bot's one HTTP server), and let `/kata web` hand out
    links to it when `KATA_PUBLIC_URL` is set."""
    routes = WebRoutes(mount(kata, settings))
    app.router.add_get(PAGE_PATH, routes.guarded(routes.page))
    app.router.add_get(PICTURE_PATH, routes.guarded(routes.picture))
    if not settings.kata_public_url:
        log.info("KATA_PUBLIC_URL is not set: /kata web says the web page is off")
    return routes
