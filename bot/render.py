"""How rounds look in chat: the prompt, each stage, the wrap-up and the boards, as neutral
messages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.chat import Button, Field, OutgoingMessage, Section
from bot.content import Framework, Stage
from bot.kinds import Pacing
from bot.leaderboard import Row
from bot.plurals import every, plural
from bot.prompt_bank import PromptView


def round_buttons(round_id: int, *, next_stage: bool = True) -> tuple[Button, ...]:
    buttons = []
    if next_stage:
        buttons.append(Button("next", "Next stage", str(round_id)))
    buttons.append(Button("feedback", "Give feedback", str(round_id), primary=True))
    buttons.append(Button("stats", "My stats", str(round_id)))
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


def wrapup_message(
    prompt: PromptView | None,
    title: str,
    round_id: int,
    framework: Framework,
    coverage: Mapping[str, Sequence[str]],
) -> OutgoingMessage:
    """`coverage` maps a member's display name to the stage keys they answered."""
    order = {s.key: i for i, s in enumerate(framework.stages)}
    sections = []
    if prompt and prompt.strong_answer:
        sections.append(
            Section(
                heading="What a strong answer covers",
                text="\n".join(f"- {item}" for item in prompt.strong_answer),
            )
        )
    if coverage:
        lines = []
        for name, keys in sorted(coverage.items(), key=lambda kv: (-len(kv[1]), kv[0].lower())):
            titles = [framework.stage(k).title for k in sorted(set(keys), key=order.__getitem__)]
            lines.append(f"- {name}: {plural(len(titles), 'stage')}: {', '.join(titles)}")
        sections.append(Section(heading="Who answered what", text="\n".join(lines)))
    else:
        sections.append(
            Section(heading="Who answered what", text="No answers this round. Next time!")
        )
    sections.append(
        Section(
            text="Late answers in this thread still count until the next round starts. "
            "Pick a teammate and give feedback: one strength, one improvement."
        )
    )
    return OutgoingMessage(
        title=f"Wrap-up: {title}",
        sections=tuple(sections),
        buttons=round_buttons(round_id, next_stage=False),
    )


def board_message(title: str, rows: list[Row], kind: str) -> OutgoingMessage:
    unit = {"points": "pt", "streak": "round", "reviews": "review"}[kind]
    if not rows:
        text = "Nobody on the board yet. Answer today's round to be the first!"
    else:
        text = "\n".join(f"{r.rank}. {r.name}: {plural(r.value, unit)}" for r in rows)
    return OutgoingMessage(title=title, sections=(Section(text=text),))
