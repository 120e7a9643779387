"""Signed, expiring links to the read-only web page of a workspace or one of its channels.

A link names a workspace, a scope (`all` or one channel, by the bot's own ids) and an expiry,
and carries an HMAC-SHA256 of exactly those three under a secret only the bot knows. Nothing
else grants access: no accounts, no cookies. Changing the secret revokes every link at once.
Pure functions and values: the web adapter verifies, the `/kata web` command signs.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

LIFETIME = timedelta(days=7)
WORKSPACE_SCOPE = "all"


class LinkRefused(Exception):
    """`reason` is `forged` (altered, made up, or signed under an older secret) or `expired`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Link:
    workspace_id: int
    scope: str
    """`all` for the whole workspace, else the channel's id as a string."""
    expires: datetime

    @property
    def channel_id(self) -> int | None:
        return None if self.scope == WORKSPACE_SCOPE else int(self.scope)

    def path(self) -> str:
        return f"/kata/web/{self.workspace_id}/{self.scope}"


@dataclass(frozen=True)
class LinkSigner:
    secret: bytes
    base_url: str
    """Where members reach the bot's HTTP server, e.g. `https://kata.example.org`."""

    def signature(self, workspace_id: int, scope: str, expires: int) -> str:
        message = f"{workspace_id}\n{scope}\n{expires}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def query(self, link: Link) -> str:
        """`until=…&sig=…`, the part of a URL that proves the link (pictures reuse it)."""
        until = int(link.expires.timestamp())
        return urlencode(
            {"until": until, "sig": self.signature(link.workspace_id, link.scope, until)}
        )

    def url(self, link: Link) -> str:
        return f"{self.base_url.rstrip('/')}{link.path()}?{self.query(link)}"

    def new_link(self, workspace_id: int, channel_id: int | None, now: datetime) -> Link:
        scope = WORKSPACE_SCOPE if channel_id is None else str(channel_id)
        expires = (now + LIFETIME).replace(microsecond=0)
        return Link(workspace_id, scope, expires)

    def verify(
        self, workspace: str, scope: str, until: str | None, sig: str | None, now: datetime
    ) -> Link:
        """The link these URL parts prove, or LinkRefused. The signature is checked before
        the expiry, so a made-up link never learns more than "forged"."""
        if not (workspace.isdigit() and until and until.isdigit() and sig):
            raise LinkRefused("forged")
        if scope != WORKSPACE_SCOPE and not scope.isdigit():
            raise LinkRefused("forged")
        expected = self.signature(int(workspace), scope, int(until))
        if not hmac.compare_digest(expected, sig):
            raise LinkRefused("forged")
        expires = datetime.fromtimestamp(int(until), UTC)
        if now >= expires:
            raise LinkRefused("expired")
        return Link(int(workspace), scope, expires)


def load_secret(configured: str | None, path: Path) -> bytes:
    """`KATA_WEB_SECRET` when set; else the secret kept in `path`, made on first use.

    A file beside the database (the container's /data volume) survives restarts without
    another table; deleting it, or setting a new KATA_WEB_SECRET, revokes every link.
    """
    if configured:
        return configured.encode()
    try:
        return path.read_text().strip().encode()
    except FileNotFoundError:
        pass
    secret = secrets.token_hex(32)
    try:
        with path.open("x", encoding="utf-8") as f:
            path.chmod(0o600)
            f.write(secret + "\n")
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text().strip().encode()
    return secret.encode()
