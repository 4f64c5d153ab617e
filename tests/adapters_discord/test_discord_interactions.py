"""Slash commands, buttons and the answer modal through real INTERACTION_CREATE events:
callbacks within Discord's 3 seconds, ephemeral where private, admin checks on the server."""

from __future__ import annotations

from bot.core.messages import ACTION_ANSWER_PRIVATELY
from bot.core.models import RoundStatus, UserRef
from tests.adapters_discord.conftest import DiscordBot
from tests.fakes.discord_server import FakeUser

EPHEMERAL = 64
CHANNEL_MESSAGE, DEFERRED_MESSAGE, AUTOCOMPLETE_RESULT, MODAL = 4, 5, 8, 9


async def test_a_slash_command_is_answered_ephemerally_within_3_seconds(bot: DiscordBot, member: FakeUser) -> None:
    interaction = await bot.fake.slash_command(bot.channel_id, member, "help")

    callback = await bot.callback(interaction)

    assert bot.answered_after(interaction) < 3.0
    assert callback["type"] == CHANNEL_MESSAGE
    assert callback["data"]["flags"] & EPHEMERAL
    assert "/interview question" in callback["data"]["content"]
    assert callback["data"]["allowed_mentions"]["parse"] == []


async def test_an_admin_schedule_set_is_answered_publicly_and_saved(bot: DiscordBot, admin: FakeUser) -> None:
    interaction = await bot.fake.slash_command(
        bot.channel_id, admin, "schedule set", time="08:15", timezone="Asia/Shanghai", days="mon-fri",
        reveal="4h", tags="training, evaluation",
    )

    callback = await bot.callback(interaction)

    assert bot.answered_after(interaction) < 3.0
    assert callback["type"] == CHANNEL_MESSAGE
    assert not callback["data"].get("flags", 0) & EPHEMERAL
    subscription = await bot.core.repo.get_subscription(bot.channel())
    assert subscription.schedule.timezone == "Asia/Shanghai"
    assert subscription.schedule.time_of_day.strftime("%H:%M") == "08:15"
    assert subscription.tags == ("training", "evaluation")


async def test_a_non_admin_schedule_set_is_refused_on_the_server(bot: DiscordBot, member: FakeUser) -> None:
    interaction = await bot.fake.slash_command(bot.channel_id, member, "schedule set", time="07:00")

    callback = await bot.callback(interaction)

    assert callback["data"]["flags"] & EPHEMERAL
    assert "Only admins" in callback["data"]["content"]
    assert await bot.core.repo.get_subscription(bot.channel()) is None


async def test_a_non_admins_reveal_now_is_refused_and_an_admins_reveals_in_the_thread(
    bot: DiscordBot, member: FakeUser, admin: FakeUser
) -> None:
    round_ = await bot.post_round()
    post_id, thread_id = int(round_.message.message_id), int(round_.thread.thread_id)

    refused = await bot.fake.press_button(post_id, f"interview:reveal_now:{round_.id}", member)
    callback = await bot.callback(refused)

    assert callback["data"]["flags"] & EPHEMERAL and "Only admins" in callback["data"]["content"]
    assert (await bot.core.repo.get_round(round_.id)).status == RoundStatus.OPEN
    assert bot.fake.channel_messages(thread_id) == []

    accepted = await bot.fake.press_button(post_id, f"interview:reveal_now:{round_.id}", admin)
    await bot.callback(accepted)
    await bot.fake.wait_for(lambda: len(bot.fake.channel_messages(thread_id)) == 2)

    assert (await bot.core.repo.get_round(round_.id)).status == RoundStatus.REVEALED
    titles = [m["embeds"][0]["title"] for m in bot.fake.channel_messages(thread_id)]
    assert titles[0].startswith("Reference answer") and titles[1] == "Who answered"


async def test_answer_privately_opens_a_modal_whose_answer_is_stored_privately(
    bot: DiscordBot, member: FakeUser
) -> None:
    round_ = await bot.post_round()
    messages_before = len(bot.fake.messages)

    pressed = await bot.fake.press_button(
        int(round_.message.message_id), f"interview:{ACTION_ANSWER_PRIVATELY}:{round_.id}", member)
    modal = await bot.callback(pressed)

    assert modal["type"] == MODAL
    assert modal["data"]["custom_id"] == f"interview:answer_modal:{round_.id}"
    inputs = [c for row in modal["data"]["components"] for c in row["components"]]
    assert [i["custom_id"] for i in inputs] == ["answer"]

    submitted = await bot.fake.submit_modal(bot.channel_id, member, modal["data"]["custom_id"],
                                            answer="early stopping and dropout")
    callback = await bot.callback(submitted)

    assert callback["data"]["flags"] & EPHEMERAL
    assert "Saved your private answer" in callback["data"]["content"]
    [reply] = await bot.replies(round_.id)
    assert reply.private and reply.text == "early stopping and dropout" and reply.user.user == str(member.id)
    assert len(bot.fake.messages) == messages_before  # nothing was posted where others can see it


async def test_buttons_keep_working_after_a_restart(make_bot, member: FakeUser) -> None:  # type: ignore[no-untyped-def]
    first = await make_bot()
    round_ = await first.post_round()
    await first.close()

    second = await make_bot()
    pressed = await second.fake.press_button(
        int(round_.message.message_id), f"interview:answer_privately:{round_.id}", member)

    modal = await second.callback(pressed)
    assert modal["type"] == MODAL and modal["data"]["custom_id"] == f"interview:answer_modal:{round_.id}"


async def test_a_slow_command_is_deferred_in_time_and_followed_up(bot: DiscordBot, member: FakeUser) -> None:
    bot.fake.delay_next("POST", r"/channels/\d+/messages", seconds=2.5)

    interaction = await bot.fake.slash_command(bot.channel_id, member, "question")
    callback = await bot.callback(interaction)

    assert bot.answered_after(interaction) < 3.0
    assert callback["type"] == DEFERRED_MESSAGE and callback["data"]["flags"] & EPHEMERAL
    await bot.fake.wait_for(lambda: interaction in bot.fake.followups)
    [followup] = bot.fake.followups[interaction]
    assert followup["content"].startswith("Posted round")
    assert len(bot.fake.threads()) == 1


async def test_timezone_autocomplete_suggests_matching_zones(bot: DiscordBot, admin: FakeUser) -> None:
    interaction = await bot.fake.slash_command(bot.channel_id, admin, "schedule set", focused="timezone",
                                               timezone="shang")

    callback = await bot.callback(interaction)

    assert callback["type"] == AUTOCOMPLETE_RESULT
    assert [c["value"] for c in callback["data"]["choices"]] == ["Asia/Shanghai"]


async def test_a_rating_button_under_the_summary_feeds_the_persons_review_card(
    bot: DiscordBot, member: FakeUser
) -> None:
    round_ = await bot.post_round()
    await bot.answer_privately(round_, member, "early stopping")
    assert await bot.core.reveal_round(round_.id)
    summary = bot.fake.channel_messages(int(round_.thread.thread_id))[-1]
    user = (await bot.replies(round_.id))[0].user

    pressed = await bot.fake.press_button(int(summary["id"]), f"interview:rate:{round_.id}:3", member)
    callback = await bot.callback(pressed)

    assert callback["data"]["flags"] & EPHEMERAL and callback["data"]["content"].startswith("Noted.")
    card = await bot.core.repo.get_review_card(user, round_.question_id)
    assert card is not None and card.last_rating == 3


async def test_private_practice_answers_through_its_own_modal(bot: DiscordBot, member: FakeUser) -> None:
    practice = await bot.callback(await bot.fake.slash_command(bot.channel_id, member, "practice"))
    assert practice["data"]["flags"] & EPHEMERAL
    [button] = [c for row in practice["data"]["components"] for c in row["components"]]
    assert button["custom_id"].startswith("interview:practice_answer:")
    shown = next(iter(bot.fake.interaction_messages))  # the ephemeral practice message

    modal = await bot.callback(await bot.fake.press_button(shown, button["custom_id"], member))
    assert modal["type"] == MODAL and modal["data"]["custom_id"].startswith("interview:practice_modal:")

    result = await bot.callback(await bot.fake.submit_modal(bot.channel_id, member, modal["data"]["custom_id"],
                                                            answer="accuracy and recall"))

    assert result["data"]["flags"] & EPHEMERAL
    first_button = result["data"]["components"][0]["components"][0]
    assert first_button["custom_id"].startswith("interview:rate:q:")
    practised = await bot.core.repo.get_practice(UserRef("discord", str(bot.guild_id), str(member.id)))
    assert practised is not None and practised.answered_at is not None
