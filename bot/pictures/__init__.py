"""Charts the bot shows instead of tables: a practice calendar, a rubric radar and a bar chart
of a period's leaders.

Each module takes plain data (no database) and returns a `bot.chat.Picture`; the queries that
feed them live in `bot.picture_data`. Drawing is CPU work, so callers go through `draw_later`
(`asyncio.to_thread`) and the event loop never waits on matplotlib.
"""
