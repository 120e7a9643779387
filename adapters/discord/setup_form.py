"""The set-up form in one Discord modal.

A modal holds five components and Discord has no time or zone picker, so the time and the
time zone share one typed line ("09:30 Europe/Berlin", as in `/kata setup`); the practice
days, the pacing and both filters are select menus. The member's line is split back into
the core's two fields on submit, and an error about either lands on that line.
"""

from __future__ import annotations

from dataclasses import replace

from bot.chat import SCHEDULE_FORM_ID as FORM_ID
from bot.chat import Form, FormField

WHEN = "when"
SPLIT = ("time", "zone")


def fit(form: Form) -> Form:
    """The core's set-up form with time and zone as one line; other forms as they are."""
    if form.form_id != FORM_ID:
        return form
    by_key = {f.key: f for f in form.fields}
    if not all(key in by_key for key in SPLIT):
        return form
    at, zone = by_key["time"], by_key["zone"]
    when = FormField(
        WHEN,
        "Time and time zone",
        "text",
        required=True,
        initial=f"{at.initial or ''} {zone.initial or ''}".strip() or None,
        placeholder="09:30 Europe/Berlin",
        max_length=80,
        hint="24-hour time, then a city zone",
    )
    rest = tuple(f for f in form.fields if f.key not in SPLIT)
    return replace(form, fields=(when, *rest))


def core_values(form: Form, values: dict[str, str]) -> dict[str, str]:
    """The typed line back as the core's `time` and `zone`."""
    if form.form_id != FORM_ID or WHEN not in values:
        return values
    at, _, zone = values[WHEN].strip().partition(" ")
    out = {k: v for k, v in values.items() if k != WHEN}
    out.update(time=at, zone=zone.strip())
    return out


def errors_for(form: Form, errors: dict[str, str]) -> dict[str, str]:
    """The core's errors keyed by this modal's fields."""
    if form.form_id != FORM_ID or not any(f.key == WHEN for f in form.fields):
        return errors
    out: dict[str, str] = {}
    for key, text in errors.items():
        target = WHEN if key in SPLIT else key
        out[target] = f"{out[target]} {text}" if target in out else text
    return out
