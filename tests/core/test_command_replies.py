"""What a member reads back: the reply says what really happened, and typos find their way."""

from __future__ import annotations

from tests.support.memory_chat import MemoryChat


async def test_next_names_the_last_stage_and_then_the_wrap_up(chat: MemoryChat) -> None:
    lead = await chat.start_round()
    replies = [(await chat.command(lead, "next")).text for _ in range(11)]
    assert replies[9] == "Posted the next stage: Trade-offs and next steps."
    assert replies[10] == "All stages were out, so I posted the wrap-up."
    assert chat.in_thread()[-1].message.title.startswith("Wrap-up")


async def test_a_mistyped_command_suggests_the_nearest_one(chat: MemoryChat) -> None:
    member = chat.member("ana")
    assert "Did you mean /kata leaderboard?" in (await chat.command(member, "leaderbaord")).text
    assert "Did you mean /kata next?" in (await chat.command(member, "nxt")).text
    assert "Did you mean /kata schedule?" in (await chat.command(member, "help shedule")).text
    far = await chat.command(member, "dance")
    assert far.text.startswith("There is no command 'dance'. Commands: help, setup")


async def test_prompts_list_shows_difficulty_and_what_this_channel_already_had(
    chat: MemoryChat,
) -> None:
    lead = await chat.start_round()
    used_title = chat.prompt_post().message.title.split(": ", 1)[1]
    listing = await chat.command(lead, "prompts list")
    used_line = next(line for line in listing.text.splitlines() if used_title in line)
    assert used_line.endswith("(used here once)")
    assert any(line.endswith(", medium") for line in listing.text.splitlines())
    assert "Tags" not in listing.text and "recommendations (" not in listing.text
    tags = await chat.command(lead, "prompts tags")
    assert "recommendations (" in tags.text


async def test_a_prompt_title_that_exists_is_refused(chat: MemoryChat) -> None:
    lead = await chat.start_round()
    scenario = "Our help desk gets 5k tickets a day. Design a model that orders them."
    first = await chat.command(lead, f"prompts add Rank support tickets | {scenario}")
    again = await chat.command(lead, f"prompts add rank SUPPORT tickets | {scenario}")
    assert "Added prompt custom-rank-support-tickets" in first.text
    assert "There is already a prompt called 'rank SUPPORT tickets'" in again.text


async def test_prompts_remove_without_an_id_says_what_to_give(chat: MemoryChat) -> None:
    lead = await chat.start_round()
    out = await chat.command(lead, "prompts remove")
    assert "Name the prompt to remove" in out.text
    assert "''" not in out.text
