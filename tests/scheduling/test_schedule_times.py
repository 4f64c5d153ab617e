"""Post times in their own timezone, across daylight-saving changes, from APScheduler's
cron trigger and the ledger; time comes from the fake clock only."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from bot.core.models import ChannelRef, Subscription
from bot.core.schedule import Schedule, parse_days
from bot.scheduling.scheduler import occurrences

UTC = timezone.utc


def utc_times(schedule: Schedule, start: datetime, end: datetime) -> list[str]:
    return [m.astimezone(UTC).strftime("%a %m-%d %H:%M") for m in occurrences(schedule, start, end)]


def test_new_york_posts_keep_local_time_across_spring_forward() -> None:
    ny = Schedule(time(9, 30), "America/New_York", parse_days("mon-fri"))
    # DST starts on Sunday 2026-03-08: 09:30 EST is 14:30 UTC, 09:30 EDT is 13:30 UTC.
    got = utc_times(ny, datetime(2026, 3, 5, tzinfo=UTC), datetime(2026, 3, 10, 23, 59, tzinfo=UTC))
    assert got == ["Thu 03-05 14:30", "Fri 03-06 14:30", "Mon 03-09 13:30", "Tue 03-10 13:30"]


def test_berlin_and_shanghai_side_by_side_across_fall_back() -> None:
    berlin = Schedule(time(9, 30), "Europe/Berlin", parse_days("daily"))
    shanghai = Schedule(time(9, 30), "Asia/Shanghai", parse_days("daily"))
    start, end = datetime(2026, 10, 24, tzinfo=UTC), datetime(2026, 10, 26, 23, 59, tzinfo=UTC)
    # Berlin leaves CEST on 2026-10-25; Shanghai has no DST.
    assert utc_times(berlin, start, end) == ["Sat 10-24 07:30", "Sun 10-25 08:30", "Mon 10-26 08:30"]
    assert utc_times(shanghai, start, end) == ["Sat 10-24 01:30", "Sun 10-25 01:30", "Mon 10-26 01:30"]


def test_a_time_skipped_by_spring_forward_still_posts_that_day() -> None:
    # 02:30 does not exist in New York on 2026-03-08; the post must not silently vanish.
    ny = Schedule(time(2, 30), "America/New_York", parse_days("daily"))
    days = [m.date().isoformat() for m in occurrences(
        ny, datetime(2026, 3, 7, tzinfo=UTC), datetime(2026, 3, 9, 23, 59, tzinfo=UTC))]
    assert days == ["2026-03-07", "2026-03-08", "2026-03-09"]


async def test_two_channels_in_two_timezones_post_at_their_local_time_across_dst(
    make_session, clock
) -> None:
    bot = await make_session(INTERVIEW_BOT_CONSOLE__SUBSCRIBE="false")
    ny = ChannelRef("console", "local", "ny")
    sh = ChannelRef("console", "local", "shanghai")
    await bot.core.save_subscription(Subscription(ny, Schedule(time(9, 30), "America/New_York", parse_days("daily"))))
    await bot.core.save_subscription(Subscription(sh, Schedule(time(9, 30), "Asia/Shanghai", parse_days("daily"))))

    posted: list[tuple[str, str, str]] = []
    clock.set(datetime(2026, 3, 6, 0, 0, tzinfo=UTC))
    end = datetime(2026, 3, 10, 0, 0, tzinfo=UTC)
    while clock.now() < end:  # the fake clock walks in 15-minute steps; nothing sleeps
        for outcome in await bot.app.scheduler.catch_up():
            if outcome.outcome == "posted":
                posted.append((outcome.channel.channel, outcome.day.isoformat(),
                               clock.now().strftime("%m-%d %H:%M")))
        clock.advance(timedelta(minutes=15))

    assert posted == [
        ("shanghai", "2026-03-06", "03-06 01:30"),
        ("ny", "2026-03-06", "03-06 14:30"),
        ("shanghai", "2026-03-07", "03-07 01:30"),
        ("ny", "2026-03-07", "03-07 14:30"),
        ("shanghai", "2026-03-08", "03-08 01:30"),
        ("ny", "2026-03-08", "03-08 13:30"),  # EDT from today
        ("shanghai", "2026-03-09", "03-09 01:30"),
        ("ny", "2026-03-09", "03-09 13:30"),
    ]


async def test_jobs_are_rebuilt_from_the_database_with_each_channels_timezone(make_session, clock) -> None:
    bot = await make_session()
    await bot.say("/interview schedule set 07:15 Asia/Shanghai mon,wed")
    restarted = await make_session()  # a second process on the same database
    job = restarted.app.scheduler.scheduler.get_job("post:console:local:console")
    assert job is not None
    assert str(job.trigger.timezone) == "Asia/Shanghai"
    assert job.func == restarted.app.scheduler.run_post
    nxt = job.trigger.get_next_fire_time(None, clock.now())
    assert nxt.isoformat() == "2026-03-04T07:15:00+08:00"  # Monday 16:00 in Shanghai has passed

    await restarted.say("/interview schedule pause")
    assert restarted.app.scheduler.scheduler.get_job("post:console:local:console") is None
    shown = await restarted.say("/interview schedule show")
    assert "(paused)" in shown and "not scheduled" in shown
    await restarted.say("/interview schedule resume")
    assert restarted.app.scheduler.scheduler.get_job("post:console:local:console") is not None
    assert "Next: 2026-03-04 07:15 CST" in await restarted.say("/interview schedule show")
