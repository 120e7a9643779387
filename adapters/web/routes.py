"""The web page's routes on an aiohttp `Application`: the page and its pictures.

Every request proves itself with the signed link's `until` and `sig` (see `bot.web_links`);
there is no other way in. Refusals are small friendly pages: 403 for a forged link or one
that points outside its workspace, 410 for an expired one. Responses are never indexed and
never leak the link through a Referer header; the page needs no JavaScript, so the content
security policy forbids scripts altogether.
"""

from __future__ import annotations

import functools
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape

from bot import web_pages
from bot.chat import Picture
from bot.leaderboard import PERIODS, Period
from bot.pictures import bars, heatmap
from bot.pictures.canvas import draw_later
from bot.web_links import Link, LinkRefused, LinkSigner, load_secret

if TYPE_CHECKING:
    from bot.context import Deps
    from bot.settings import Settings

log = logging.getLogger(__name__)

PAGE_PATH = "/kata/web/{workspace:\\d+}/{scope:(all|\\d+)}"
PERIOD_OF: dict[str, Period] = {f"points-{p}": p for p in PERIODS}
PICTURES = ("calendar", *PERIOD_OF)
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
    "broken": (
        500,
        "Something went wrong on our side",
        "The page could not be put together just now. Try again in a minute; if it keeps "
        "happening, tell whoever runs the bot.",
    ),
    "elsewhere": (
        403,
        "This link does not open anything",
        "It names a channel that is not part of its workspace. Ask the bot for a new one "
        "with /kata web in the channel you want to see.",
    ),
}
CACHE_SIZE = 128

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class WebPage:
    def __init__(self, kata: Deps, signer: LinkSigner) -> None:
        self.kata = kata
        self.signer = signer
        self.templates = Environment(
            loader=PackageLoader("adapters.web"),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._pictures: OrderedDict[tuple[object, ...], bytes] = OrderedDict()

    def guarded(self, handler: Handler) -> Handler:
        """A failure inside a handler is logged and shown as a short apology, never a trace."""

        async def guard(request: web.Request) -> web.StreamResponse:
            try:
                return await handler(request)
            except Exception:
                log.exception("the web page failed for %s", request.path)
                return self.refusal("broken")

        return guard

    def _link(self, request: web.Request) -> Link:
        query = request.query
        return self.signer.verify(
            request.match_info["workspace"],
            request.match_info["scope"],
            query.get("until"),
            query.get("sig"),
            self.kata.clock.now(),
        )

    def refusal(self, reason: str) -> web.Response:
        status, title, text = REFUSALS[reason]
        html = self.templates.get_template("refused.html").render(title=title, text=text)
        return web.Response(
            text=html, status=status, content_type="text/html", headers=dict(HEADERS)
        )

    async def page(self, request: web.Request) -> web.StreamResponse:
        try:
            link = self._link(request)
        except LinkRefused as refused:
            return self.refusal(refused.reason)
        now = self.kata.clock.now()
        async with self.kata.sessions() as session:
            try:
                page = await web_pages.page(session, link, now)
            except LookupError:
                return self.refusal("elsewhere")
            calendar_alt = None
            if page.channel is not None:
                marks, today, label = await web_pages.calendar(session, link, now)
                calendar_alt = heatmap.alt_text(marks, today, label)
        query = self.signer.query(link)
        channel_links = []
        if page.channel is None:
            for channel in page.channels:
                to = Link(link.workspace_id, str(channel.id), link.expires)
                address = f"{to.path()}?{self.signer.query(to)}"
                channel_links.append((web_pages.channel_label(channel), address))
        points = [b for b in page.boards if b.kind == "points"]
        html = self.templates.get_template("page.html").render(
            page=page,
            query=query,
            base=link.path(),
            calendar_alt=calendar_alt,
            calendar_size=(heatmap.WIDTH, heatmap.HEIGHT),
            charts=[
                (f"points-{b.period}", bars.alt_text(b.title, web_pages_bars(b)), b.title)
                for b in points
            ],
            channel_links=channel_links,
            expires=link.expires,
            now=now,
        )
        return web.Response(text=html, content_type="text/html", headers=dict(HEADERS))

    async def picture(self, request: web.Request) -> web.StreamResponse:
        try:
            link = self._link(request)
        except LinkRefused as refused:
            return self.refusal(refused.reason)
        name = request.match_info["name"]
        now = self.kata.clock.now()
        render: Callable[[], Picture]
        async with self.kata.sessions() as session:
            try:
                if name == "calendar":
                    marks, today, label = await web_pages.calendar(session, link, now)
                    key: tuple[object, ...] = (name, label, today, tuple(sorted(marks.items())))
                    render = functools.partial(heatmap.draw, marks, today, label)
                else:
                    period = PERIOD_OF[name]
                    _, channel = await web_pages.scope_of(session, link)
                    shown = await web_pages.board(session, link, channel, "points", period, now)
                    chart = web_pages_bars(shown)
                    key = (name, shown.title, tuple(chart))
                    render = functools.partial(bars.draw, shown.title, chart, f"{name}.png")
            except LookupError:
                return self.refusal("elsewhere")
        png = self._pictures.get(key)
        if png is None:
            png = (await draw_later(render)).png
            self._remember(key, png)
        headers = {**HEADERS, "Cache-Control": "private, max-age=300"}
        return web.Response(body=png, content_type="image/png", headers=headers)

    def _remember(self, key: tuple[object, ...], png: bytes) -> None:
        """Keep recent charts: the same board read twice is drawn once."""
        self._pictures[key] = png
        self._pictures.move_to_end(key)
        while len(self._pictures) > CACHE_SIZE:
            self._pictures.popitem(last=False)


def web_pages_bars(board: web_pages.Board) -> list[bars.Bar]:
    return [bars.Bar(r.name, r.value) for r in board.rows]


def signer_from(settings: Settings) -> LinkSigner:
    secret = load_secret(settings.kata_web_secret, settings.kata_web_secret_file)
    return LinkSigner(secret, settings.kata_public_url or f"http://127.0.0.1:{settings.port}")


def add_routes(app: web.Application, kata: Deps, settings: Settings) -> WebPage:
    """Serve the page on `app`, and let `/kata web` hand out links to it.

    Without `KATA_PUBLIC_URL` the routes still answer valid links, but the command says the
    page is off: a link to 127.0.0.1 would not open for anyone else.
    """
    web_page = WebPage(kata, signer_from(settings))
    app.router.add_get(PAGE_PATH, web_page.guarded(web_page.page))
    pictures = PAGE_PATH + "/{name:(" + "|".join(PICTURES) + ")}.png"
    app.router.add_get(pictures, web_page.guarded(web_page.picture))
    if settings.kata_public_url:
        kata.web_links = web_page.signer
    else:
        log.info("KATA_PUBLIC_URL is not set: /kata web says the web page is off")
    return web_page
