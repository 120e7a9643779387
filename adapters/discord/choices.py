"""Fixed choices and autocomplete for /kata options: time zones, tags, weekdays, levels."""

from __future__ import annotations

from discord.app_commands import Choice

from bot.timezones import abbreviation_zones, city_zones

AUTOCOMPLETE_LIMIT = 25

WEEKDAY_CHOICES = [
    Choice(name="Monday to Friday", value="weekdays"),
    Choice(name="Every day", value="daily"),
    Choice(name="Weekends", value="weekends"),
    Choice(name="Monday, Wednesday, Friday", value="mon,wed,fri"),
    Choice(name="Tuesday, Thursday", value="tue,thu"),
]


def level_choices(levels: tuple[str, ...]) -> list[Choice[str]]:
    """The rubric's levels as the core declares them: `1 - very weak` ..."""
    return [Choice(name=f"{i} - {name}", value=str(i)) for i, name in enumerate(levels, 1)]


def time_zone_choices(current: str) -> list[Choice[str]]:
    """City zones for what the member typed (an abbreviation's zones, then prefix matches
    first); every value is one `setup` accepts."""
    needle = current.strip().lower().replace(" ", "_")
    zones = city_zones()
    if not needle:
        picks = list(zones)
    else:
        named = list(abbreviation_zones(needle))
        starts = [z for z in zones if z.lower().startswith(needle)]
        inside = [z for z in zones if needle in z.lower()]
        picks = list(dict.fromkeys(named + starts + inside))
    return [Choice(name=z, value=z) for z in picks[:AUTOCOMPLETE_LIMIT]]


def tag_choices(known: list[str], current: str, *, many: bool) -> list[Choice[str]]:
    """Tags matching the last item typed; with `many`, earlier comma-separated items stay."""
    head, _, last = current.rpartition(",") if many else ("", "", current)
    chosen = {t.strip().lower() for t in head.split(",") if t.strip()}
    prefix = f"{head}," if head else ""
    needle = last.strip().lower()
    picks = [t for t in known if needle in t.lower() and t.lower() not in chosen]
    return [
        Choice(name=(prefix + t)[:100], value=(prefix + t)[:100])
        for t in picks[:AUTOCOMPLETE_LIMIT]
    ]
