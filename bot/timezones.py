"""What a person types for a time zone, turned into an IANA zone that follows daylight saving.

Names are matched without regard to case. `UTC`, `GMT` and `Z` mean UTC. An abbreviation
maps to one representative city zone only where everyone who uses it shares the same
daylight-saving rules (`PST` -> America/Los_Angeles); where it names different places
(`IST`: India, Ireland, Israel) the member is asked to choose. Every suggestion is a city
zone that `parse_timezone` accepts as written, never a fixed `Etc/GMT±N` offset.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from bot.echo import echo
from bot.schedule import ScheduleError

MAX_SUGGESTIONS = 3

UTC_NAMES = frozenset(
    {"utc", "gmt", "z", "zulu", "uct", "universal", "greenwich", "gmt0", "gmt+0", "gmt-0"}
)

ABBREVIATIONS: dict[str, str] = {
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "pt": "America/Los_Angeles",
    "pacific": "America/Los_Angeles",
    "mdt": "America/Denver",
    "mt": "America/Denver",
    "mountain": "America/Denver",
    "cdt": "America/Chicago",
    "ct": "America/Chicago",
    "central": "America/Chicago",
    "est": "America/New_York",
    "edt": "America/New_York",
    "et": "America/New_York",
    "eastern": "America/New_York",
    "akst": "America/Anchorage",
    "akdt": "America/Anchorage",
    "hst": "Pacific/Honolulu",
    "cet": "Europe/Berlin",
    "cest": "Europe/Berlin",
    "met": "Europe/Berlin",
    "mez": "Europe/Berlin",
    "mesz": "Europe/Berlin",
    "wet": "Europe/Lisbon",
    "west": "Europe/Lisbon",
    "eet": "Europe/Athens",
    "eest": "Europe/Athens",
    "msk": "Europe/Moscow",
    "jst": "Asia/Tokyo",
    "kst": "Asia/Seoul",
    "sgt": "Asia/Singapore",
    "hkt": "Asia/Hong_Kong",
    "aedt": "Australia/Sydney",
    "nzst": "Pacific/Auckland",
    "nzdt": "Pacific/Auckland",
}
"""Abbreviations whose users all share one set of daylight-saving rules."""

AMBIGUOUS: dict[str, tuple[str, ...]] = {
    "ist": ("Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"),
    "mst": ("America/Denver", "America/Phoenix"),
    "cst": ("America/Chicago", "Asia/Shanghai", "America/Havana"),
    "bst": ("Europe/London", "Asia/Dhaka"),
    "aest": ("Australia/Sydney", "Australia/Brisbane"),
    "ast": ("America/Halifax", "Asia/Riyadh"),
}
"""Abbreviations used by places whose clocks differ for part of the year."""

_OFFSET = re.compile(r"(?:utc|gmt)\s*[+-]\s*\d{1,2}(?::?\d{2})?")


class UnknownZone(ScheduleError):
    """The text is not a zone we accept; `suggestions` are zones that would be accepted."""

    def __init__(self, text: str, message: str, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.text = text
        self.suggestions = suggestions


@lru_cache(maxsize=1)
def _by_lower() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


@lru_cache(maxsize=1)
def city_zones() -> tuple[str, ...]:
    """Zones worth suggesting: `Area/City` names, not legacy aliases or fixed offsets."""
    legacy = ("Etc/", "SystemV/", "US/", "Canada/", "Brazil/", "Chile/", "Mexico/")
    return tuple(
        sorted(
            name for name in available_timezones() if "/" in name and not name.startswith(legacy)
        )
    )


@lru_cache(maxsize=1)
def _by_city() -> dict[str, list[str]]:
    cities: dict[str, list[str]] = {}
    for name in city_zones():
        cities.setdefault(_city_key(name.rsplit("/", 1)[-1]), []).append(name)
    return cities


def _city_key(text: str) -> str:
    return text.strip().lower().replace(" ", "_")


def parse_timezone(text: str) -> ZoneInfo:
    """The zone a member means, or `UnknownZone` with zones they may have meant."""
    name = text.strip()
    key = _city_key(name)
    named = abbreviation_zones(key)
    if len(named) == 1:
        return ZoneInfo(named[0])
    if named:
        choices = named
        raise UnknownZone(
            name,
            f"{echo(name)} names more than one time zone. Did you mean {', '.join(choices)}?",
            choices,
        )
    if _OFFSET.fullmatch(key):
        raise UnknownZone(
            name,
            f"'{name}' is a fixed offset, which drifts by an hour when daylight saving "
            "changes. Use your city's zone, like Europe/Berlin or America/New_York.",
        )
    exact = _by_lower().get(key)
    if exact is not None:
        return ZoneInfo(exact)
    cities = _by_city().get(key.rsplit("/", 1)[-1], [])
    if len(cities) == 1 and "/" not in key:
        return ZoneInfo(cities[0])
    found = suggest(name)
    hint = f" Did you mean {', '.join(found)}?" if found else ""
    raise UnknownZone(
        name,
        f"{echo(name)} is not a time zone I know; use a city zone like Europe/Berlin.{hint}",
        found,
    )


def abbreviation_zones(text: str) -> tuple[str, ...]:
    """The zones an abbreviation or UTC name stands for: one, several (ambiguous) or none."""
    key = _city_key(text).removeprefix("etc/")
    if key in UTC_NAMES:
        return ("UTC",)
    if key in ABBREVIATIONS:
        return (ABBREVIATIONS[key],)
    return AMBIGUOUS.get(key, ())


def suggest(text: str, limit: int = MAX_SUGGESTIONS) -> tuple[str, ...]:
    """City zones close to what was typed: by city name (typos too), then by prefix."""
    key = _city_key(text)
    if not key:
        return ()
    named = abbreviation_zones(key)
    if named:
        return named[:limit]
    city = key.rsplit("/", 1)[-1]
    picks: list[str] = []
    zones = city_zones()
    if len(key) >= 3:
        picks += [z for z in zones if z.lower().startswith(key)]
        picks += [z for z in zones if _city_key(z.rsplit("/", 1)[-1]).startswith(city)]
    cities = _by_city()
    for near in difflib.get_close_matches(city[:40], list(cities), n=limit, cutoff=0.8):
        picks += cities[near]
    return tuple(dict.fromkeys(picks))[:limit]
