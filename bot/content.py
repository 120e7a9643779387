"""Loads and validates the framework stages, rubric and prompts in `content/`.

Content is data, checked once at start: a bad file stops the bot with every problem named by
file, field and line, so a contributor's typo never reaches a channel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from annotated_types import Len
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, field_validator

STAGE_KEYS = (
    "scope",
    "functional",
    "nonfunctional",
    "framing",
    "metrics",
    "data",
    "model",
    "serving",
    "monitoring",
    "wrapup",
)
SIGNAL_KEYS = ("problem", "data", "modelling", "deployment", "communication")
REQUIREMENT_KEYS = ("scope", "functional", "nonfunctional")
TASKS = (
    "classification",
    "ranking",
    "retrieval-ranking",
    "retrieval",
    "regression",
    "generation",
    "detection",
    "forecasting",
    "matching",
    "clustering",
    "anomaly-detection",
)

Slug = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", min_length=3, max_length=60)
]
Tag = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=40)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=160)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Stage(_Strict):
    key: str
    title: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    group: str
    aliases: tuple[Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$")], ...] = ()
    purpose: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    questions: Annotated[
        tuple[Annotated[str, StringConstraints(min_length=1, max_length=200)], ...],
        ...,
    ]
    minutes: int

    @field_validator("key")
    @classmethod
    def _known_key(cls, v: str) -> str:
        if v not in STAGE_KEYS:
            raise ValueError(f"unknown stage key {v!r}; expected one of {', '.join(STAGE_KEYS)}")
        return v

    @field_validator("questions")
    @classmethod
    def _three_to_six(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not 3 <= len(v) <= 6:
            raise ValueError(f"needs 3 to 6 guiding questions, has {len(v)}")
        if not all(q.rstrip().endswith("?") for q in v):
            raise ValueError("every guiding question ends with '?'")
        return v

    @field_validator("aliases")
    @classmethod
    def _few_aliases(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if len(v) > 4:
            raise ValueError("at most 4 aliases")
        return v

    @field_validator("minutes")
    @classmethod
    def _time_box(cls, v: int) -> int:
        if not 2 <= v <= 15:
            raise ValueError("time box must be 2 to 15 minutes")
        return v

    @property
    def names(self) -> tuple[str, ...]:
        return (self.key, *self.aliases)


class Signal(_Strict):
    key: str
    title: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    description: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    aliases: tuple[str, ...] = ()
    """Other words a member may type for the key (`modeling=3`)."""


class Rubric(_Strict):
    levels: tuple[str, str, str, str]
    signals: tuple[Signal, ...]

    @field_validator("signals")
    @classmethod
    def _five_signals(cls, v: tuple[Signal, ...]) -> tuple[Signal, ...]:
        keys = tuple(s.key for s in v)
        if keys != SIGNAL_KEYS:
            raise ValueError(f"signals must be {', '.join(SIGNAL_KEYS)} in that order")
        return v

    @property
    def signal_keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.signals)

    def signal_named(self, word: str) -> Signal | None:
        """The signal a member means by `word`: its key or one of its aliases."""
        word = word.lower()
        return next((s for s in self.signals if word == s.key or word in s.aliases), None)

    def level_of(self, word: str) -> int | None:
        """1-4 for a level typed as its number or its name (`3`, `strong`, `very-strong`)."""
        word = word.strip().lower().replace("-", " ")
        if word in ("1", "2", "3", "4"):
            return int(word)
        names = [name.lower() for name in self.levels]
        return names.index(word) + 1 if word in names else None

    def level_name(self, level: int) -> str:
        return self.levels[level - 1]


class Framework(_Strict):
    version: Literal[1]
    stages: tuple[Stage, ...]
    rubric: Rubric

    @field_validator("stages")
    @classmethod
    def _all_stages_in_order(cls, v: tuple[Stage, ...]) -> tuple[Stage, ...]:
        keys = tuple(s.key for s in v)
        if keys != STAGE_KEYS:
            raise ValueError(f"stages must be {', '.join(STAGE_KEYS)} in that order")
        for stage in v:
            group = "requirements" if stage.key in REQUIREMENT_KEYS else stage.key
            if stage.group != group:
                raise ValueError(f"stage {stage.key!r} belongs to group {group!r}")
        seen: set[str] = set()
        for stage in v:
            for name in stage.names:
                if name in seen:
                    raise ValueError(f"stage name {name!r} is used twice")
                seen.add(name)
        return v

    def stage(self, key: str) -> Stage:
        return next(s for s in self.stages if s.key == key)

    def find_stage(self, name: str) -> Stage | None:
        name = name.strip().lower()
        return next((s for s in self.stages if name in s.names), None)


HintList = Annotated[tuple[Short, ...], Len(min_length=1, max_length=3)]


class Hints(_Strict):
    scope: HintList
    functional: HintList
    nonfunctional: HintList


class Prompt(_Strict):
    id: Slug
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=80)]
    scenario: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=20, max_length=600)
    ]
    domain: Tag
    task: Literal[TASKS]  # type: ignore[valid-type]
    tags: tuple[Tag, ...] = ()
    difficulty: Literal["easy", "medium", "hard"]
    hints: Hints
    strong_answer: tuple[Short, ...]

    @field_validator("scenario")
    @classmethod
    def _two_to_four_sentences(cls, v: str) -> str:
        sentences = [s for s in re.split(r"(?<=[.?!])\s+", v.strip()) if s]
        if not 2 <= len(sentences) <= 4:
            raise ValueError(f"scenario needs 2 to 4 sentences, has {len(sentences)}")
        return v

    @field_validator("strong_answer")
    @classmethod
    def _checklist_size(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not 4 <= len(v) <= 8:
            raise ValueError(f"strong_answer needs 4 to 8 items, has {len(v)}")
        return v

    @field_validator("tags")
    @classmethod
    def _distinct_tags(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(v)) != len(v) or len(v) > 6:
            raise ValueError("up to 6 tags, each once")
        return v

    @property
    def all_tags(self) -> frozenset[str]:
        return frozenset((self.domain, self.task, *self.tags))


class _PromptFile(_Strict):
    prompts: tuple[Prompt, ...]


@dataclass(frozen=True)
class ContentError:
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}"


class ContentInvalid(Exception):
    def __init__(self, errors: list[ContentError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class Content:
    framework: Framework
    prompts: tuple[Prompt, ...]

    def prompt(self, prompt_id: str) -> Prompt | None:
        return next((p for p in self.prompts if p.id == prompt_id), None)

    @property
    def stages(self) -> tuple[Stage, ...]:
        return self.framework.stages


# ---------------------------------------------------------------- line-aware YAML


def _line_of(root: yaml.Node | None, loc: tuple[str | int, ...]) -> int | None:
    """Walk the composed YAML tree along a pydantic error location to find its line."""
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == part), None)
            if match is None:
                key = next((k for k, _ in node.value if k.value == part), None)
                return key.start_mark.line + 1 if key is not None else line
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return line
            node = node.value[part]
        else:
            return line
        line = node.start_mark.line + 1
    return line


def _load_yaml(path: Path, name: str, errors: list[ContentError]) -> tuple[Any, yaml.Node | None]:
    try:
        text = path.read_text(encoding="utf-8")
        return yaml.safe_load(text), yaml.compose(text)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        errors.append(ContentError(name, line, "yaml", str(exc.problem or exc)))
    except OSError as exc:
        errors.append(ContentError(name, None, "file", str(exc)))
    return None, None


def _validate(model: type[BaseModel], data: Any, node: yaml.Node | None, name: str, errors: list):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            field = ".".join(str(p) for p in loc) or "(file)"
            errors.append(ContentError(name, _line_of(node, loc), field, err["msg"]))
    return None


def load_content(content_dir: Path) -> Content:
    """Load `framework.yaml` and every `prompts/*.yaml`; raise `ContentInvalid` listing all."""
    errors: list[ContentError] = []
    fw_path = content_dir / "framework.yaml"
    data, node = _load_yaml(fw_path, fw_path.name, errors)
    framework = _validate(Framework, data, node, fw_path.name, errors) if data is not None else None

    prompts: list[Prompt] = []
    seen: dict[str, str] = {}
    prompt_files = sorted((content_dir / "prompts").glob("*.yaml"))
    if not prompt_files:
        errors.append(ContentError("prompts/", None, "(folder)", "no prompt files found"))
    for path in prompt_files:
        name = f"prompts/{path.name}"
        data, node = _load_yaml(path, name, errors)
        if data is None:
            continue
        parsed = _validate(_PromptFile, data, node, name, errors)
        if parsed is None:
            continue
        for i, prompt in enumerate(parsed.prompts):
            line = _line_of(node, ("prompts", i, "id"))
            if prompt.domain != path.stem:
                errors.append(
                    ContentError(name, line, f"prompts.{i}.domain", f"must be {path.stem!r}")
                )
            if prompt.id in seen:
                errors.append(
                    ContentError(
                        name, line, f"prompts.{i}.id", f"{prompt.id!r} also in {seen[prompt.id]}"
                    )
                )
            seen[prompt.id] = name
            prompts.append(prompt)
    if errors or framework is None:
        raise ContentInvalid(errors)
    return Content(framework=framework, prompts=tuple(prompts))
