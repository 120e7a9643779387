"""How rounds look in chat: the prompt, each stage, the wrap-up and the boards, as neutral
messages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.best_answer import OFF_BOARDS
from bot.chat import Button, Field, Link, OutgoingMessage, Section
from bot.content import Framework, Stage
from bot.echo import clip
from bot.kinds import Pacing
from bot.leaderboard import Row
from bot.plurals import every, plural
from bot.prompt_bank import PromptView

if TYPE_CHECKING:
    from bot.assignments import Assigned
    from bot.digest import Digest


def round_buttons(
    round_id: int, *, next_stage: bool = True, vote: bool = True
) -> tuple[Button, ...]:
    buttons = []
    if next_stage:
        buttons.append(Button("next", "Next stage", str(round_id)))
    buttons.append(Button("feedback", "Give feedback", str(round_id), primary=True))
    buttons.append(Button("stats", "My stats", str(round_id)))
    if vote:
        buttons.append(Button("vote", "Vote best answer", str(round_id)))
    return tuple(buttons)


def prompt_message(
    prompt: PromptView, round_id: int, seq: int, pacing: Pacing, drip_minutes: int, stages: int
) -> OutgoingMessage:
    pacing_text = {
        Pacing.DRIP: f"a new stage {every(drip_minutes, 'minute')}",
        Pacing.ALL: "all stages at once",
        Pacing.MANUAL: "the next stage when someone asks for it (Next stage, or /kata next)",
    }[pacing]
    fields = [Field("Pacing", pacing_text), Field("Stages", str(stages))]
    if prompt.difficulty:
        fields.insert(0, Field("Difficulty", prompt.difficulty))
    tags = ", ".join(sorted(prompt.tags - {"custom"}))
    if tags:
        fields.insert(0, Field("Tags", tags))
    if prompt.author:
        fields.append(Field("Prompt by", prompt.author))
    return OutgoingMessage(
        title=f"Design Kata #{seq}: {prompt.title}",
        sections=(
            Section(text=prompt.scenario),
            Section(
                heading="How to play",
                text=(
                    "Answer in this thread, stage by stage, starting with requirements. "
                    "A reply counts for the latest stage posted; start it with a stage name "
                    "and a colon (e.g. 'metrics: ...') to answer another one. "
                    "Then review a teammate with Give feedback."
                ),
                fields=tuple(fields),
            ),
        ),
        buttons=round_buttons(round_id, next_stage=pacing != Pacing.ALL),
    )


def stage_message(
    stage: Stage, position: int, total: int, prompt: PromptView | None
) -> OutgoingMessage:
    sections = [
        Section(text=stage.purpose),
        Section(heading="Questions to answer", text="\n".join(f"- {q}" for q in stage.questions)),
    ]
    hints = prompt.hints.get(stage.key, ()) if prompt else ()
    if hints:
        sections.append(Section(heading="For this prompt", text="\n".join(f"- {h}" for h in hints)))
    names = " or ".join(f"'{n}:'" for n in stage.names[:2])
    return OutgoingMessage(
        title=f"Stage {position}/{total}: {stage.title}",
        sections=tuple(sections),
        footer=f"Time box: about {plural(stage.minutes, 'minute')}. To answer this stage later, "
        f"start your reply with {names}.",
    )


def stage_names(framework: Framework) -> Section:
    """Every stage's name and aliases, for answering a stage other than the latest."""
    lines = [
        f"{s.key}" + (f" (also {', '.join(s.aliases)})" if s.aliases else "") + f": {s.title}"
        for s in framework.stages
    ]
    return Section(
        heading="Stages",
        text="Start an answer with a stage name and a colon, e.g. 'metrics: NDCG@10'.\n"
        + "\n".join(lines),
    )


def coverage_section(framework: Framework, coverage: Mapping[str, Sequence[str]]) -> Section:
    """Who answered which stages, most stages first."""
    if not coverage:
        return Section(heading="Who answered what", text="No answers this round. Next time!")
    order = {s.key: i for i, s in enumerate(framework.stages)}
    lines = []
    for name, keys in sorted(coverage.items(), key=lambda kv: (-len(kv[1]), kv[0].lower())):
        titles = [framework.stage(k).title for k in sorted(set(keys), key=order.__getitem__)]
        lines.append(f"- {name}: {plural(len(titles), 'stage')}: {', '.join(titles)}")
    return Section(heading="Who answered what", text="\n".join(lines))


def board_message(title: str, rows: list[Row], kind: str) -> OutgoingMessage:
    unit = {"points": "pt", "streak": "round", "reviews": "review"}[kind]
    if not rows:
        text = "Nobody on the board yet. Answer today's round to be the first!"
    else:
        text = "\n".join(f"{r.rank}. {r.name}: {plural(r.value, unit)}" for r in rows)
    return OutgoingMessage(title=title, sections=(Section(text=text),))


DIGEST_BUDGET = 3900
"""Characters for the whole wrap-up, so it stays one Slack message (under 50 blocks) and one
Discord embed (a description holds 4,096); the answers get what the rest leaves."""
MIN_ANSWERS_ROOM = 900
NAMES_PER_STAGE = 8
LINE_ROOM = (40, 300)
"""Shortest and longest excerpt of one member's answer to one stage."""
LINK_BUDGET = 1500
"""Characters the answers' links may take in all (a link costs its URL, its label and a few
characters of markup); past it, answers are still excerpted but not linked."""
REVIEWS_SHOWN = 15
COVERAGE_LISTED = 10
"""Past this many members, who answered what becomes one line of names and stage counts."""


def digest_message(digest: Digest, framework: Framework) -> OutgoingMessage:
    """The wrap-up: checklist and model answer, each stage's answers side by side, the best
    answer, and who reviewed whom."""
    head: list[Section] = []
    prompt = digest.prompt
    if prompt and prompt.strong_answer:
        head.append(
            Section(
                heading="What a strong answer covers",
                text="\n".join(f"- {item}" for item in prompt.strong_answer),
            )
        )
    if digest.model_answer:
        head.append(Section(heading="A model answer (unscored)", text=digest.model_answer))
    if len(digest.coverage) > COVERAGE_LISTED:
        counts = sorted(digest.coverage.items(), key=lambda kv: (-len(kv[1]), kv[0].lower()))
        head.append(
            Section(
                heading=f"Who answered what ({len(counts)} members, stages each)",
                text=", ".join(f"{name} ({len(set(keys))})" for name, keys in counts),
            )
        )
    else:
        head.append(coverage_section(framework, digest.coverage))
    tail = [
        Section(heading="Best answer", text=_best_text(digest)),
        Section(heading="Reviews given", text=_reviews_text(digest)),
        *_assigned_sections(digest),
        Section(
            text="Late answers in this thread still count until the next round starts. "
            "Pick a teammate and give feedback: one strength, one improvement."
        ),
    ]
    used = len(digest.title) + sum(len(s.heading or "") + len(s.text) for s in head + tail)
    room = max(MIN_ANSWERS_ROOM, DIGEST_BUDGET - used)
    return OutgoingMessage(
        title=f"Wrap-up: {digest.title}",
        sections=(*head, *_answer_sections(digest, room), *tail),
        buttons=round_buttons(digest.round_id, next_stage=False, vote=False),
    )


def _answer_sections(digest: Digest, room: int) -> list[Section]:
    """Each stage's answers, one line per member, cut to share `room` characters; where the
    platform makes links, a line of the members' names linking to their messages, within
    `LINK_BUDGET` and counted against `room`."""
    if not digest.stages:
        return []
    per_stage = min(NAMES_PER_STAGE, max(1, room // (len(digest.stages) * 80)))
    lines = sum(min(len(s.answers), per_stage) for s in digest.stages)
    headings = sum(len(s.title) + 40 for s in digest.stages)
    shortest, longest = LINE_ROOM
    # Links take what the shortest excerpts leave, so they never push the message over.
    link_room = min(LINK_BUDGET, room // 3, room - headings - lines * (shortest + 20))
    links: dict[str, tuple[Link, ...]] = {}
    spent = 0
    for stage in digest.stages:
        chosen: list[Link] = []
        for (name, _), url in zip(stage.answers[:per_stage], stage.links, strict=False):
            cost = len(url or "") + len(name) + 7
            if url and spent + cost <= link_room:
                chosen.append(Link(name, url))
                spent += cost
        links[stage.key] = tuple(chosen)
    room -= spent
    excerpt = max(shortest, min(longest, (room - headings) // max(1, lines) - 20))
    sections = []
    for stage in digest.stages:
        shown = [
            f"- {name}: {clip(' '.join(text.split()), excerpt)}"
            for name, text in stage.answers[:per_stage]
        ]
        more = len(stage.answers) - per_stage
        if more > 0:
            shown.append(f"- and {plural(more, 'more answer')} in the thread")
        sections.append(
            Section(
                heading=f"Answers: {stage.title}", text="\n".join(shown), links=links[stage.key]
            )
        )
    return sections


def _best_text(digest: Digest) -> str:
    best = digest.best
    if best is None:
        return (
            "No votes this round. Next time, vote with the Vote best answer button or "
            "/kata vote @name."
        )
    name = OFF_BOARDS if best.opted_out else best.name
    return f"{name}, with {plural(best.votes, 'vote')} (+{plural(best.points, 'point')})."


def _reviews_text(digest: Digest) -> str:
    if not digest.reviews:
        return "No reviews yet. There is still time: Give feedback, or /kata feedback @name."
    lines = [f"- {a} reviewed {b}" for a, b in digest.reviews[:REVIEWS_SHOWN]]
    more = len(digest.reviews) - REVIEWS_SHOWN
    if more > 0:
        lines.append(f"- and {plural(more, 'more review')}")
    return "\n".join(lines)


def _assigned_sections(digest: Digest) -> list[Section]:
    if not digest.assigned:
        return []
    return [Section(heading="Assigned reviews", text=assigned_text(digest.assigned))]


def assigned_text(rows: Sequence[Assigned], limit: int = REVIEWS_SHOWN) -> str:
    """Who was asked to review whom, and whether each review is in."""
    lines = [
        f"- {r.reviewer} reviews {r.reviewee}: {'done' if r.done else 'waiting'}" for r in rows
    ]
    shown = lines[:limit]
    if len(lines) > limit:
        shown.append(f"- and {plural(len(lines) - limit, 'more')}")
    return "\n".join(shown)


def with_assigned_reviews(
    message: OutgoingMessage, seq: int, rows: Sequence[Assigned]
) -> OutgoingMessage:
    """A new round's prompt, followed by how the previous round's assigned reviews went."""
    if not rows:
        return message
    done = sum(r.done for r in rows)
    section = Section(
        heading=f"Assigned reviews of round #{seq}: {done} of {len(rows)} done",
        text=assigned_text(rows),
    )
    return replace(message, sections=(*message.sections, section))


def champion_text(period: str, rows: list[Row]) -> str:
    """The line that names a closed period's champion (tied leaders share it)."""
    leaders = [r.name for r in rows if r.rank == 1]
    if not leaders:
        return ""
    who = leaders[0] if len(leaders) == 1 else ", ".join(leaders[:-1]) + " and " + leaders[-1]
    title = "Champion" if len(leaders) == 1 else "Champions"
    return f"{title} of the {period}: {who}, with {plural(rows[0].value, 'point')}."


def final_board_message(title: str, period: str, rows: list[Row]) -> OutgoingMessage:
    """A closed period's points board, its champion named first."""
    board = board_message(title, rows, "points")
    return OutgoingMessage(
        title=board.title, sections=(Section(text=champion_text(period, rows)), *board.sections)
    )
