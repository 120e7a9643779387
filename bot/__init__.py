"""Design Kata: the platform-neutral core.

`ADAPTER_SURFACE` is all of the core an adapter may import: the neutral types, the two
ports (`ChatPort` it implements, `Core` it calls) and the settings. Everything else may
change shape without an adapter noticing; `tests/core/test_imports.py` holds adapters to it.
"""

ADAPTER_SURFACE = frozenset(
    {
        "bot.chat",
        "bot.echo",
        "bot.port",
        "bot.settings",
        "bot.timezones",
        "bot.metrics",
        "bot.web_pages",
    }
)
"""`bot.timezones` is here for Discord's time-zone autocomplete in `/kata setup`; `bot.echo`
for the one `clip` the core and every adapter cut text with; `bot.metrics` for the platform
call and 429 counters; `bot.web_pages` for the web page's routes (its `WebPages` checks links
and reads pages; the adapter only writes HTML)."""
