"""The bot's interface strings in English and Simplified Chinese.

Every string a person sees comes from CATALOG by key; ``t`` picks the language and fills
in named values. Content (questions, answers) is never translated here.
"""

from __future__ import annotations

LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"

CATALOG: dict[str, dict[str, str]] = {
    "question.daily_title": {"en": "Question of the day", "zh": "每日一题"},
    "question.practice_title": {"en": "Practice question", "zh": "练习题"},
    "question.tags": {"en": "Tags", "zh": "标签"},
    "question.difficulty": {"en": "Difficulty", "zh": "难度"},
    "question.round": {"en": "Round", "zh": "轮次"},
    "question.invite": {
        "en": "Answer in the thread, or privately with `/interview answer`. "
        "The reference answer is revealed at {reveal_at}.",
        "zh": "请在讨论串中作答，或用 `/interview answer` 私下作答。参考答案将于 {reveal_at} 揭晓。",
    },
    "question.thread_name": {"en": "Answers: {title}", "zh": "作答：{title}"},
    "button.answer_privately": {"en": "Answer privately", "zh": "私下作答"},
    "button.reveal_now": {"en": "Reveal now", "zh": "立即揭晓"},
    "reveal.title": {"en": "Reference answer: {title}", "zh": "参考答案：{title}"},
    "reveal.key_points": {"en": "Key points", "zh": "要点"},
    "summary.title": {"en": "Who answered", "zh": "作答情况"},
    "summary.nobody": {"en": "Nobody answered this time.", "zh": "本题无人作答。"},
    "summary.line": {
        "en": "{name}: {covered} of {total} key points",
        "zh": "{name}：覆盖 {covered}/{total} 个要点",
    },
    "summary.covered": {"en": "covered", "zh": "已覆盖"},
    "summary.missed": {"en": "missed", "zh": "未提及"},
    "summary.private_answer": {"en": "private answer", "zh": "私下作答"},
    "answer.saved": {
        "en": "Saved your private answer to round {round_id}: it covers {covered} of {total} "
        "key points. It stays hidden until the reveal.",
        "zh": "已保存你对第 {round_id} 轮的私下作答：覆盖 {covered}/{total} 个要点。揭晓前他人不可见。",
    },
    "answer.missed": {"en": "Missed: {missed}.", "zh": "未提及：{missed}。"},
    "rate.prompt": {
        "en": "How did it go? Rate yourself to schedule a review: `/interview rate again|hard|good|easy`.",
        "zh": "答得如何？给自己打分以安排复习：`/interview rate again|hard|good|easy`。",
    },
    "button.again": {"en": "Again", "zh": "重来"},
    "button.hard": {"en": "Hard", "zh": "困难"},
    "button.good": {"en": "Good", "zh": "良好"},
    "button.easy": {"en": "Easy", "zh": "简单"},
    "button.practice_answer": {"en": "Answer", "zh": "作答"},
    "rate.saved": {
        "en": "Noted. Next review of “{title}”: {due}.",
        "zh": "已记录。“{title}”的下次复习：{due}。",
    },
    "rate.nothing": {
        "en": "Nothing to rate: answer a question first (rate after its reveal or after `/interview practice`).",
        "zh": "没有可打分的题目：请先作答（揭晓后或 `/interview practice` 之后再打分）。",
    },
    "rate.already": {
        "en": "You already rated round {round_id}.",
        "zh": "你已经给第 {round_id} 轮打过分了。",
    },
    "rate.not_answered": {
        "en": "You did not answer round {round_id}, so there is nothing to rate.",
        "zh": "你没有回答第 {round_id} 轮，无法打分。",
    },
    "practice.title": {"en": "Practice (only you can see this)", "zh": "个人练习（仅你可见）"},
    "practice.due": {"en": "Due for review since {due}.", "zh": "自 {due} 起待复习。"},
    "practice.ahead": {
        "en": "Nothing is due; this one comes up next, on {due}.",
        "zh": "目前没有待复习的题目；这道题下一个到期（{due}）。",
    },
    "practice.new": {"en": "A question you have not reviewed yet.", "zh": "一道你还没复习过的题目。"},
    "practice.invite": {
        "en": "Answer with `/interview practice answer TEXT`; you get your coverage and the reference answer at once.",
        "zh": "用 `/interview practice answer 内容` 作答，立即得到要点覆盖与参考答案。",
    },
    "practice.none": {
        "en": "Start with `/interview practice` to get a question.",
        "zh": "先用 `/interview practice` 领取一道题。",
    },
    "practice.result": {
        "en": "You covered {covered} of {total} key points.",
        "zh": "你覆盖了 {covered}/{total} 个要点。",
    },
    "me.timezone": {
        "en": "Your timezone is now {timezone}; streaks count your days there.",
        "zh": "你的时区已设为 {timezone}，连续打卡按该时区计算。",
    },
    "me.lang": {"en": "I will answer you in English.", "zh": "之后将用中文回复你。"},
    "leaderboard.title": {"en": "Leaderboard ({window})", "zh": "排行榜（{window}）"},
    "leaderboard.week": {"en": "last 7 days", "zh": "近 7 天"},
    "leaderboard.month": {"en": "last 30 days", "zh": "近 30 天"},
    "leaderboard.all": {"en": "all time", "zh": "全部"},
    "leaderboard.empty": {"en": "No answers yet in this period.", "zh": "这段时间还没有人作答。"},
    "leaderboard.line": {
        "en": "{rank}. {name}: {points} points, {rounds} question(s), {answers} answer(s)",
        "zh": "{rank}. {name}：{points} 分，{rounds} 道题，{answers} 次作答",
    },
    "weekly.title": {"en": "Last week in this channel", "zh": "本频道上周回顾"},
    "stats.full": {
        "en": "You answered {rounds} question(s) with {answers} answer(s); average key-point coverage "
        "{coverage}%. Streak: {streak} day(s). Reviews due: {due}.",
        "zh": "你已回答 {rounds} 道题，共 {answers} 次作答；平均要点覆盖率 {coverage}%。"
        "连续打卡：{streak} 天。待复习：{due} 道。",
    },
    "stats.chart": {
        "en": "Participation in this channel over the last 30 days.",
        "zh": "本频道近 30 天的参与情况。",
    },
    "study.title": {"en": "Study session", "zh": "学习小组"},
    "study.intro": {
        "en": "{count} question(s), {minutes} minute(s) each. Answer in this thread; "
        "`/interview study next` moves on, `/interview study stop` ends the session.",
        "zh": "共 {count} 道题，每题 {minutes} 分钟。请在此讨论串中作答；"
        "`/interview study next` 进入下一题，`/interview study stop` 结束本次学习。",
    },
    "study.thread_name": {"en": "Study session", "zh": "学习小组"},
    "study.question_title": {"en": "Question {number} of {count}", "zh": "第 {number}/{count} 题"},
    "study.running": {
        "en": "A study session is already running in this channel; `/interview study stop` ends it.",
        "zh": "本频道已有进行中的学习小组；可用 `/interview study stop` 结束。",
    },
    "study.none": {"en": "No study session is running here.", "zh": "这里没有进行中的学习小组。"},
    "study.started": {"en": "Study session {study_id} started.", "zh": "学习小组 {study_id} 已开始。"},
    "study.not_yours": {
        "en": "Only the person who started the session or an admin can do that.",
        "zh": "只有发起人或管理员可以这样做。",
    },
    "study.advanced": {"en": "Moving on.", "zh": "进入下一题。"},
    "study.stopped": {"en": "Study session stopped.", "zh": "学习小组已结束。"},
    "study.no_questions": {
        "en": "No question matches the tags ({tags}).",
        "zh": "没有符合标签（{tags}）的题目。",
    },
    "scoreboard.title": {"en": "Scoreboard", "zh": "得分榜"},
    "scoreboard.empty": {"en": "Nobody answered in this session.", "zh": "本次学习无人作答。"},
    "scoreboard.line": {
        "en": "{rank}. {name}: {points} points over {rounds} of {count} question(s)",
        "zh": "{rank}. {name}：{points} 分，回答了 {rounds}/{count} 道题",
    },
    "round.none_open": {
        "en": "There is no open question in this channel. Start one with `/interview question`.",
        "zh": "本频道当前没有进行中的题目。可用 `/interview question` 出一道题。",
    },
    "round.posted": {"en": "Posted round {round_id}.", "zh": "已发布第 {round_id} 轮。"},
    "round.revealed": {"en": "Revealed round {round_id}.", "zh": "已揭晓第 {round_id} 轮。"},
    "round.already_revealed": {
        "en": "Round {round_id} was already revealed.",
        "zh": "第 {round_id} 轮已经揭晓过了。",
    },
    "round.skipped": {
        "en": "Skipped round {round_id}: its answer will not be revealed. Posting another question.",
        "zh": "已跳过第 {round_id} 轮，不再揭晓答案。现在换一道题。",
    },
    "round.no_questions": {
        "en": "No question matches this channel's tags ({tags}).",
        "zh": "没有符合本频道标签（{tags}）的题目。",
    },
    "admin.only": {
        "en": "Only admins can use `/interview {command}`.",
        "zh": "只有管理员可以使用 `/interview {command}`。",
    },
    "schedule.none": {
        "en": "No daily question in this channel yet. Admins can set one: "
        "`/interview schedule set 09:30 Asia/Shanghai mon-fri reveal=6h`",
        "zh": "本频道尚未设置每日一题。管理员可设置：`/interview schedule set 09:30 Asia/Shanghai mon-fri reveal=6h`",
    },
    "schedule.show": {
        "en": "Daily question: {schedule}{tags}{paused}. Next: {next}.",
        "zh": "每日一题：{schedule}{tags}{paused}。下一次：{next}。",
    },
    "schedule.paused_flag": {"en": " (paused)", "zh": "（已暂停）"},
    "schedule.tags_flag": {"en": " tags={tags}", "zh": " 标签={tags}"},
    "schedule.saved": {"en": "Schedule saved: {schedule}.", "zh": "已保存日程：{schedule}。"},
    "schedule.paused": {"en": "Daily questions paused.", "zh": "每日一题已暂停。"},
    "schedule.resumed": {"en": "Daily questions resumed.", "zh": "每日一题已恢复。"},
    "schedule.never": {"en": "not scheduled", "zh": "未安排"},
    "error.usage": {"en": "Usage: {usage}", "zh": "用法：{usage}"},
    "error.usage_reason": {"en": "{reason}. Usage: {usage}", "zh": "{reason}。用法：{usage}"},
    "error.unknown_command": {
        "en": "Unknown command `{command}`. Try `/interview help`.",
        "zh": "未知命令 `{command}`。试试 `/interview help`。",
    },
    "help.text": {
        "en": "Interview practice commands:\n"
        "`/interview question` post a question in this channel now\n"
        "`/interview answer TEXT` answer the current question privately\n"
        "`/interview reveal` reveal the current answer (admins)\n"
        "`/interview skip` skip the current question (admins)\n"
        "`/interview schedule set HH:MM [TIMEZONE] [DAYS] [reveal=6h] [tags=a,b] [lang=en|zh]` (admins)\n"
        "`/interview schedule show|pause|resume` (pause/resume: admins)\n"
        "`/interview study start [tags=a,b] [count=5] [answer_minutes=3]` a timed group session; "
        "`study next|stop`\n"
        "`/interview practice` your most-due question, privately; `practice answer TEXT` to answer it\n"
        "`/interview rate again|hard|good|easy [ROUND]` rate yourself after a reveal or a practice answer\n"
        "`/interview leaderboard [week|month|all]`\n"
        "`/interview stats` your answers, coverage, streak and due reviews\n"
        "`/interview me timezone ZONE` / `me lang en|zh` your own day and language\n"
        "Reply in a question's thread to answer in public.",
        "zh": "面试练习命令：\n"
        "`/interview question` 立即在本频道出一道题\n"
        "`/interview answer 内容` 私下回答当前题目\n"
        "`/interview reveal` 揭晓当前题目的答案（管理员）\n"
        "`/interview skip` 跳过当前题目（管理员）\n"
        "`/interview schedule set HH:MM [时区] [星期] [reveal=6h] [tags=a,b] [lang=en|zh]`（管理员）\n"
        "`/interview schedule show|pause|resume`（暂停/恢复：管理员）\n"
        "`/interview study start [tags=a,b] [count=5] [answer_minutes=3]` 限时学习小组；`study next|stop`\n"
        "`/interview practice` 私下练习最该复习的题目；`practice answer 内容` 作答\n"
        "`/interview rate again|hard|good|easy [轮次]` 揭晓或练习后给自己打分\n"
        "`/interview leaderboard [week|month|all]` 排行榜\n"
        "`/interview stats` 你的作答、覆盖率、连续打卡与待复习\n"
        "`/interview me timezone 时区` / `me lang en|zh` 设置你的时区与语言\n"
        "在题目的讨论串中回复即为公开作答。",
    },
}


def t(key: str, language: str | None = None, /, **values: object) -> str:
    """The string ``key`` in ``language`` (English when unknown), with ``values`` filled in."""
    entry = CATALOG[key]
    text = entry.get(language or DEFAULT_LANGUAGE) or entry[DEFAULT_LANGUAGE]
    return text.format(**values) if values else text
