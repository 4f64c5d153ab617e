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
    "stats.none": {
        "en": "You have not answered any question here yet.",
        "zh": "你在这里还没有作答过。",
    },
    "stats.line": {
        "en": "You answered {rounds} question(s) with {answers} answer(s); "
        "average key-point coverage {coverage}%.",
        "zh": "你已回答 {rounds} 道题，共 {answers} 次作答；平均要点覆盖率 {coverage}%。",
    },
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
        "`/interview stats` your answers and coverage\n"
        "Reply in a question's thread to answer in public.",
        "zh": "面试练习命令：\n"
        "`/interview question` 立即在本频道出一道题\n"
        "`/interview answer 内容` 私下回答当前题目\n"
        "`/interview reveal` 揭晓当前题目的答案（管理员）\n"
        "`/interview skip` 跳过当前题目（管理员）\n"
        "`/interview schedule set HH:MM [时区] [星期] [reveal=6h] [tags=a,b] [lang=en|zh]`（管理员）\n"
        "`/interview schedule show|pause|resume`（暂停/恢复：管理员）\n"
        "`/interview stats` 查看你的作答与覆盖率\n"
        "在题目的讨论串中回复即为公开作答。",
    },
}


def t(key: str, language: str | None = None, /, **values: object) -> str:
    """The string ``key`` in ``language`` (English when unknown), with ``values`` filled in."""
    entry = CATALOG[key]
    text = entry.get(language or DEFAULT_LANGUAGE) or entry[DEFAULT_LANGUAGE]
    return text.format(**values) if values else text
