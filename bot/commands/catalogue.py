"""Every `/kata` command, declared once: adding a command is one `Command(...)` here.

Help, usage errors, suggestions for a mistyped word, the access check and the adapters'
command lists are all read from `COMMANDS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bot import (
    archive,
    assignment_commands,
    away,
    channel_settings,
    feedback_received,
    holidays,
    nudges,
    privacy,
    prompt_commands,
    render,
    round_commands,
    schedule_form,
    stats,
    votes,
    web_pages,
)
from bot.best_answer import BEST_ANSWER_POINTS
from bot.chat import Outcome, OutgoingMessage, Section
from bot.commands import help as help_text
from bot.commands.registry import (
    Access,
    Command,
    CommandError,
    Invocation,
    Parsed,
    Registry,
    Subcommand,
)
from bot.points import ASSIGNED_REVIEW_POINTS

if TYPE_CHECKING:
    from bot.unit import Unit


async def _help(unit: Unit, inv: Invocation) -> OutgoingMessage:
    notes = {"answer": render.stage_names(unit.content.framework)}
    return help_message(inv.parsed.rest or None, notes)


async def _leaderboard(unit: Unit, inv: Invocation) -> OutgoingMessage:
    return await stats.leaderboard_message(unit, inv.parsed)


async def _stats(unit: Unit, inv: Invocation) -> OutgoingMessage:
    return await stats.stats_message(unit)


async def _streak(unit: Unit, inv: Invocation) -> OutgoingMessage:
    return await stats.streak_message(unit)


async def _optout(unit: Unit, inv: Invocation) -> OutgoingMessage:
    return await privacy.set_opt_out(unit, True)


async def _optin(unit: Unit, inv: Invocation) -> OutgoingMessage:
    return await privacy.set_opt_out(unit, False)


async def _feedback(unit: Unit, inv: Invocation) -> Outcome | OutgoingMessage:
    """`feedback received ...` lists your reviews; anything else reviews a teammate."""
    if inv.parsed.spec.subcommand(inv.parsed) is not None:
        return await feedback_received.received(unit, inv)
    return await round_commands.review(unit, inv)


def _a_setting(parsed: Parsed) -> bool:
    """`assign on|off|deadline` tells the channel; plain `assign` answers the admin only."""
    return parsed.spec.subcommand(parsed) is not None


async def _forgetme(unit: Unit, inv: Invocation) -> OutgoingMessage:
    return await privacy.forget(unit, inv.parsed)


COMMANDS = Registry(
    (
        Command(
            "help",
            "help [command]",
            "show this help, or one command's usage",
            ("/kata help setup",),
            _help,
            brief="What Design Kata does and how to use it",
        ),
        Command(
            "setup",
            "setup <HH:MM> <Area/City> [weekdays]",
            "post a daily prompt here at a local time on chosen weekdays (default mon-fri)",
            ("/kata setup 09:30 Europe/Berlin mon-fri",),
            schedule_form.setup_command,
            access=Access.ADMIN_ONCE_SET_UP,
            public=True,
            brief="Start daily rounds in this channel",
        ),
        Command(
            "schedule",
            "schedule",
            "show this channel's schedule",
            ("/kata schedule",),
            schedule_form.show,
        ),
        Command(
            "pace",
            "pace drip [minutes] | pace all | pace manual",
            "how stages arrive: one every N minutes, all at once, or on 'next'",
            ("/kata pace drip 45", "/kata pace manual"),
            channel_settings.change(channel_settings.pace),
            access=Access.ADMIN,
            public=True,
            brief="How the stages of a round are posted",
        ),
        Command(
            "filter",
            "filter tags <a,b> | filter difficulty <easy,medium,hard> | filter clear",
            "only draw prompts with these tags or difficulties",
            ("/kata filter tags recommendations,search", "/kata filter clear"),
            channel_settings.change(channel_settings.set_filter),
            access=Access.ADMIN,
            public=True,
            subcommands=(
                Subcommand("tags", Access.ADMIN, aliases=("tag",)),
                Subcommand("difficulty", Access.ADMIN),
                Subcommand("clear", Access.ADMIN),
            ),
            brief="Which prompts this channel gets",
        ),
        Command(
            "pause",
            "pause",
            "stop posting rounds here until resumed",
            ("/kata pause",),
            channel_settings.change(channel_settings.pause),
            access=Access.ADMIN,
            public=True,
            brief="Pause this channel's rounds",
        ),
        Command(
            "resume",
            "resume",
            "start posting rounds again",
            ("/kata resume",),
            channel_settings.change(channel_settings.resume),
            access=Access.ADMIN,
            public=True,
            brief="Resume this channel's rounds",
        ),
        Command(
            "skip",
            "skip [YYYY-MM-DD]",
            "skip the next scheduled round (or the one on a date); streaks are not broken",
            ("/kata skip 2026-12-24",),
            channel_settings.change(channel_settings.skip),
            access=Access.ADMIN,
            public=True,
            brief="Skip a day (default: the next round)",
        ),
        Command(
            "unskip",
            "unskip [YYYY-MM-DD]",
            "undo a skip: the next skipped round (or the one on a date) is back on",
            ("/kata unskip 2026-12-24",),
            channel_settings.change(channel_settings.unskip),
            access=Access.ADMIN,
            public=True,
            brief="Undo a skip (default: the next skipped round)",
        ),
        Command(
            "now",
            "now",
            "start today's round right away",
            ("/kata now",),
            round_commands.now,
            access=Access.ADMIN,
            aliases=("start",),
            brief="Start a round right now",
        ),
        Command(
            "next",
            "next",
            "post the next stage of the current round (manual pacing: anyone; drip or all at "
            "once: admins and the member who ran setup)",
            ("/kata next",),
            round_commands.next_stage,
            access=Access.ADMIN_UNLESS_MANUAL,
            brief="Move the current round to its next stage",
        ),
        Command(
            "answer",
            "answer [stage:] <text>",
            "answer the current round without replying in its thread",
            ("/kata answer metrics: NDCG@10 offline, watch time online",),
            round_commands.answer,
            brief="Answer in this round's thread",
        ),
        Command(
            "leaderboard",
            "leaderboard [points|streak|reviews] [week|month|all] [workspace] [public]",
            "who leads this week, this month or all time (only you see it; add public to post "
            "it for the channel)",
            ("/kata leaderboard reviews month public", "/kata leaderboard"),
            _leaderboard,
            public=stats.shared,
            aliases=("lb", "board"),
            brief="Points, streaks or reviews",
        ),
        Command(
            "stats",
            "stats",
            "your own points, streak, answers and feedback (only you see it)",
            ("/kata stats",),
            _stats,
            brief="Your points, answers and feedback (only you see it)",
        ),
        Command(
            "streak",
            "streak",
            "your current and longest streak and banked freezes",
            ("/kata streak",),
            _streak,
            brief="Your streak and freezes",
        ),
        Command(
            "feedback",
            "feedback <member> [problem=1-4] [data=1-4] [modelling=1-4] [deployment=1-4] "
            "[communication=1-4] strength: <text> improve: <text> | feedback received "
            "[round|week|all]",
            "review a teammate's answers in the current round; 'feedback received [round|week|"
            "all]' shows you the reviews you got, with scores and texts (only you see it)",
            (
                "/kata feedback @alex problem=3 strength: sharp scoping improve: add a fallback",
                "/kata feedback received week",
            ),
            _feedback,
            aliases=("review",),
            subcommands=(Subcommand("received", Access.MEMBER),),
            brief="Review a member's answers with the rubric",
        ),
        Command(
            "vote",
            "vote <member>",
            "vote for the best answer of the round: one vote each, changeable until the "
            f"wrap-up, not for yourself; the winner gets +{BEST_ANSWER_POINTS} points "
            "(a tie goes to whoever answered first)",
            ("/kata vote @alex",),
            votes.vote_command,
            aliases=("best",),
            brief="Vote for the best answer of the round",
        ),
        Command(
            "archive",
            "archive [page] | archive boards [page]",
            "this channel's past rounds (prompt, date, who answered, best answer), or the "
            "final boards of its past weeks and months (only you see it)",
            ("/kata archive", "/kata archive boards 2"),
            archive.archive,
            subcommands=(Subcommand("boards", Access.MEMBER),),
            brief="Past rounds and past weeks' final boards",
        ),
        Command(
            "prompts",
            "prompts list [tag] | prompts add <title> | <scenario> [| tags] | prompts remove <id> "
            "| prompts model <id> <text|clear> | prompts suggest <title> | <scenario> [| tags] "
            "| prompts suggestions | prompts approve <id> | prompts decline <id> [reason]",
            "browse the prompt bank or manage this workspace's own prompts; model sets an "
            "unscored reference answer shown at wrap-up; anyone may suggest a prompt, admins "
            "approve it into the bank (credited to its author) or decline it",
            (
                "/kata prompts add Rank support tickets | Our help desk gets 5k tickets a day. "
                "Design a model that orders the queue. | nlp-llm,ranking",
                "/kata prompts list ranking",
                "/kata prompts remove custom-rank-support-tickets",
                "/kata prompts model custom-rank-support-tickets Two towers, then a reranker...",
                "/kata prompts suggest Rank podcasts | Listeners type a topic and expect the "
                "right episodes first. | search",
                "/kata prompts decline 3 too close to an existing prompt",
            ),
            prompt_commands.prompts,
            subcommands=(
                Subcommand("list", Access.MEMBER, aliases=("tags",)),
                Subcommand("add", Access.ADMIN),
                Subcommand("remove", Access.ADMIN),
                Subcommand("model", Access.ADMIN),
                Subcommand("suggest", Access.MEMBER),
                Subcommand("suggestions", Access.ADMIN),
                Subcommand("approve", Access.ADMIN),
                Subcommand("decline", Access.ADMIN),
            ),
            brief="The channel's prompt bank",
        ),
        Command(
            "optout",
            "optout",
            "never list me on leaderboards",
            ("/kata optout",),
            _optout,
            brief="Leave the leaderboards",
        ),
        Command(
            "optin",
            "optin",
            "list me on leaderboards again",
            ("/kata optin",),
            _optin,
            brief="Join the leaderboards again",
        ),
        Command(
            "forgetme",
            "forgetme [confirm]",
            "delete all your answers, feedback, points and streaks in this workspace",
            ("/kata forgetme confirm",),
            _forgetme,
            brief="Delete everything Design Kata stores about you",
        ),
        Command(
            "export",
            "export [channel]",
            "a CSV of your own data, or of this channel's points",
            ("/kata export", "/kata export channel"),
            privacy.export,
            subcommands=(Subcommand("channel", Access.ADMIN),),
            brief="Download answers and feedback as CSV",
        ),
        Command(
            "web",
            "web [workspace]",
            "a private link to this channel's boards, past rounds and pictures on a web page "
            "(workspace: every channel)",
            ("/kata web", "/kata web workspace"),
            web_pages.web_link,
            subcommands=(Subcommand("workspace", Access.MEMBER, aliases=("server", "all")),),
            brief="Boards and past rounds on a web page (a private link)",
        ),
        # ---- away days, holidays, reminders and nudges (issue 12, part A)
        Command(
            "away",
            "away <3d|1w|until YYYY-MM-DD>",
            "you are away from today (days in this channel's time zone, every channel of the "
            "workspace): rounds then don't break your streak or earn anything, and send you no "
            "reminders; 'away' alone says until when",
            ("/kata away 3d", "/kata away until 2026-12-24"),
            away.away,
            brief="Away for some days: streak kept, no reminders",
        ),
        Command(
            "back",
            "back",
            "end your away days early: today's round counts again",
            ("/kata back",),
            away.back,
            brief="Back from away",
        ),
        Command(
            "holiday",
            "holiday add <YYYY-MM-DD[..YYYY-MM-DD]> | holiday list | holiday remove "
            "<YYYY-MM-DD[..YYYY-MM-DD]>",
            "days off for this channel: no round, no effect on streaks; removing one still "
            "ahead brings its round back",
            ("/kata holiday add 2026-12-24..2026-12-26", "/kata holiday list"),
            holidays.holiday,
            access=Access.ADMIN,
            public=holidays.shared,
            aliases=("holidays",),
            subcommands=(
                Subcommand("add", Access.ADMIN),
                Subcommand("list", Access.MEMBER),
                Subcommand("remove", Access.ADMIN, aliases=("rm", "delete")),
            ),
            brief="Days off for this channel (no round, streaks safe)",
        ),
        Command(
            "remind",
            "remind <2h|90m> | remind off",
            "privately remind members who answered recently but not yet, this long before a "
            "round closes (its wrap-up, or the next round when paced by hand)",
            ("/kata remind 2h", "/kata remind off"),
            channel_settings.change(nudges.set_remind),
            access=Access.ADMIN,
            public=True,
            brief="Remind members before a round closes",
        ),
        Command(
            "nudges",
            "nudges <on|off>",
            "your own reminders and streak nudges, in every channel of the workspace",
            ("/kata nudges off",),
            nudges.nudges_command,
            brief="Turn your reminders and streak nudges on or off",
        ),
        # ---- assigned reviews (issue 12, part B)
        Command(
            "assign",
            "assign | assign on | assign off | assign deadline <hours>h|<days>d",
            "assign each member who answered the round a teammate to review now (it also "
            "happens at every wrap-up unless turned off); reviewers are told privately, "
            "reminded once before the deadline (default 24h) and earn "
            f"+{ASSIGNED_REVIEW_POINTS} points for a review on time",
            ("/kata assign", "/kata assign deadline 48h", "/kata assign off"),
            assignment_commands.assign_command,
            access=Access.ADMIN,
            public=_a_setting,
            subcommands=(
                Subcommand("on", Access.ADMIN),
                Subcommand("off", Access.ADMIN),
                Subcommand("deadline", Access.ADMIN),
            ),
            brief="Assign reviewers for the round, or set assigned reviews",
        ),
    )
)


def parse(text: str) -> Parsed:
    return COMMANDS.parse(text)


def lookup(word: str) -> Command | None:
    return COMMANDS.lookup(word)


def unknown_command(word: str) -> CommandError:
    return COMMANDS.unknown_command(word)


def help_message(
    topic: str | None = None, notes: Mapping[str, Section] | None = None
) -> OutgoingMessage:
    return help_text.help_message(COMMANDS, topic, notes)
