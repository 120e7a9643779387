"""A round's life, split by what each part holds.

- `queries`: lookups other modules borrow (a channel's schedule and ref, a round's thread).
- `timers`: when a round, a stage or a wrap-up is next due; setting and cancelling timers.
- `lifecycle`: each step claims its work in the database, posts, then records or undoes.
- `startup`: after a (re)start, timers rebuilt from the database and missed rounds posted.

Final boards, posted before the first round of a new week or month, are in `bot.final_boards`.
"""
