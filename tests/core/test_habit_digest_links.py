"""Digest links: where the platform gives messages addresses, the wrap-up links each stage's
answers to the members' messages, within a budget that keeps it one message."""

from __future__ import annotations

from dataclasses import dataclass

from bot.chat import MessageRef
from bot.render import LINK_BUDGET
from tests.support.harness import Harness
from tests.support.memory_chat import MemoryChat

STAGES = 10


@dataclass
class LinkingChat(MemoryChat):
    """The in-memory platform, with addresses for its messages like Slack's and Discord's."""

    def message_link(self, message: MessageRef) -> str | None:
        where = message.thread.thread_id if message.thread else message.channel.channel_id
        return f"https://chat.example/{message.channel.channel_id}/{where}/{message.message_id}"


async def wrap_up_post(chat: MemoryChat, lead):
    for _ in range(STAGES + 1):
        await chat.command(lead, "next")
    wrap = chat.in_thread()[-1]
    assert (wrap.message.title or "").startswith("Wrap-up"), wrap.text
    return wrap


async def test_each_stages_answers_link_to_the_members_first_message(harness: Harness) -> None:
    chat = LinkingChat(harness.kata)
    lead = await chat.start_round()
    ana, bo = chat.member("ana"), chat.member("bo")
    thread = chat.latest_thread().thread_id
    await chat.reply(ana, "scope: EU shoppers", message_id="m-ana-1")
    await chat.reply(ana, "scope: on mobile", message_id="m-ana-2")
    await chat.reply(bo, "metrics: NDCG@10", message_id="m-bo-1")
    await chat.command(bo, "answer scope: everyone")  # by command: no message to link
    wrap = await wrap_up_post(chat, lead)
    sections = {s.heading: s for s in wrap.message.sections}
    scope = sections["Answers: Scope clarification"]
    assert [(k.label, k.url) for k in scope.links] == [
        ("ana", f"https://chat.example/C1/{thread}/m-ana-1")
    ]
    (metrics,) = sections["Answers: Offline and online metrics"].links
    assert metrics.url.endswith("/m-bo-1")
    assert f"ana <https://chat.example/C1/{thread}/m-ana-1>" in wrap.text


async def test_links_stay_within_their_budget_with_a_crowd(harness: Harness) -> None:
    chat = LinkingChat(harness.kata)
    lead = await chat.start_round()
    stages = ("scope", "functional", "non-functional", "problem", "metrics", "data")
    for n in range(14):
        member = chat.member(f"member-{n:02d}-with-a-long-display-name")
        for stage in stages:
            await chat.reply(member, f"{stage}: " + "words " * 80)
    wrap = await wrap_up_post(chat, lead)
    links = [k for s in wrap.message.sections for k in s.links]
    assert links, "some answers are linked"
    assert sum(len(k.url) + len(k.label) + 7 for k in links) <= LINK_BUDGET


async def test_a_platform_without_addresses_gets_no_links(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round()
    await chat.reply(chat.member("ana"), "scope: EU shoppers")
    wrap = await wrap_up_post(chat, lead)
    assert all(not s.links for s in wrap.message.sections)


async def test_the_assigned_reviewer_gets_a_link_to_the_round(harness: Harness) -> None:
    chat = LinkingChat(harness.kata)
    lead = await chat.start_round()
    thread = chat.latest_thread().thread_id
    for name in ("ana", "bo"):
        await chat.reply(chat.member(name), "scope: mine")
    await wrap_up_post(chat, lead)
    (note,) = chat.private_to(chat.member("ana"))
    assert f"The round: https://chat.example/C1/C1/{thread}" in note.text
