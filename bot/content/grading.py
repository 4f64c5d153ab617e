"""Language cues the keyword grader needs: traditional->simplified folding and negation.

Small hand-kept tables, no dictionary dependency. Imports nothing from the bot (matching.py
builds on it; never bot.core, bot.storage or adapters).
"""

from __future__ import annotations

import re
# Traditional characters (and Taiwan variants) of the shipped pack's key-point vocabulary and of
# the negation words below, each over its simplified form. Only one-to-one pairs whose traditional
# side is not itself a simplified character in use, so folding never merges two words.
# Regenerate with OpenCC when a pack brings new characters; a missing pair only costs recall.
_TRADITIONAL = (
    "丟習亂雲優餘內決準減則別務動單壓參雙變臺圖場聲處學對層並應異棄張強歸徵態擴擇換據數顯術機權構標樣"
    "橫熱碼確積篩簡類縱線練絡絕維編縮網聯規視計訓證識詞誤調負資轉載遷適選遞釋隨隱預領餾驗魯"
)
_SIMPLIFIED = (
    "丢习乱云优余内决准减则别务动单压参双变台图场声处学对层并应异弃张强归征态扩择换据数显术机权构标样"
    "横热码确积筛简类纵线练络绝维编缩网联规视计训证识词误调负资转载迁适选递释随隐预领馏验鲁"
)
_TO_SIMPLIFIED = str.maketrans(_TRADITIONAL, _SIMPLIFIED)


def to_simplified(text: str) -> str:
    """Map the traditional characters this module knows to simplified ones, one for one."""
    return text.translate(_TO_SIMPLIFIED)


def is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


# --- negation --------------------------------------------------------------------------------
# A mention is negated when a negator stands shortly before it in the same clause ("不需要正则化",
# "without dropout") or a rejecting phrase closes the clause right after it ("早停没必要").

# Characters and words that end a clause: negation never reaches across them.
CLAUSE_BREAKS = frozenset("，。,;；!！?？:：\n\r")

ZH_NEGATORS = tuple(sorted(
    ("而不是", "而非", "并非", "并不", "不需要", "不必", "不用", "不要", "不是", "不能", "不会",
     "没有", "没", "无需", "无须", "无", "未", "别", "非", "不"),
    key=len, reverse=True))

# Words that begin with (or contain) a negator character but do not negate what follows:
# "不仅…还", "无论", "不同的", double negation "并非不", "不如用" (better to use), "区别"...
ZH_NOT_NEGATION = (
    "不同", "不断", "不少", "不错", "不仅", "不但", "不管", "不论", "不光", "不只", "不止", "不单",
    "不过", "不久", "不平衡", "不均衡", "不稳定", "不确定", "不足", "不够", "不多", "不好", "不佳",
    "不然", "不得不", "不可或缺", "不可少", "不易", "不一样", "不如", "不妨", "不错过",
    "并非不", "不是不", "没有不", "不能不", "无非", "无论", "无监督", "无损", "无限", "无偏", "无穷",
    "无关", "无标签", "无标注", "无效", "未来", "未知", "未见", "未经", "未标注", "没错",
    "区别", "类别", "分别", "识别", "级别", "特别", "个别", "差别", "判别", "性别", "别的", "别人",
    "非常", "非线性", "除非", "非凸", "非结构化", "非序列",
)

# A Chinese negator reaches at most this many units (a character or a Latin word) past itself,
# and not across a character that starts a new thought: "数据不够时就用数据增强".
ZH_REACH = 4
ZH_GAP_BREAKS = frozenset("时就则才还而但却也所因如若当后")

EN_NEGATORS = frozenset((
    "not", "no", "without", "never", "nor", "neither", "don't", "doesn't", "didn't", "won't",
    "wouldn't", "shouldn't", "can't", "cannot", "isn't", "aren't", "dont", "doesnt", "didnt", "cant",
    "skip", "skipping", "avoid",
))
EN_NEGATOR_PAIRS = frozenset((("instead", "of"), ("rather", "than")))
EN_NOT_NEGATION = frozenset((("not", "only"), ("not", "just"), ("no", "matter"), ("no", "doubt")))
# Between an English negator and the term only such words may stand: "don't really need to use
# early stopping" is negated, "not sure, maybe dropout" or "don't just use dropout" is not.
EN_REACH = 4
EN_GAP_WORDS = frozenset((
    "need", "needs", "needed", "to", "for", "use", "using", "used", "apply", "applying", "applied",
    "add", "adding", "added", "any", "the", "a", "an", "do", "really", "even", "bother", "with",
    "require", "requires", "required", "it", "we", "i", "you", "they", "have", "has", "had", "be",
    "much", "more", "extra", "explicit", "additional", "go", "going", "rely", "relying", "on",
    "care", "about", "worry", "try", "trying", "tried", "enable", "enabling", "include", "including",
    "bothering", "recommend", "suggest", "think", "of", "doing", "any", "some", "such", "as",
))

# After the term: "早停没必要", "dropout 就不用了", "regularization isn't needed".
_ZH_AFTER = ("不需要", "不用了", "没必要", "没什么用", "没用", "用不上", "用不着", "不管用", "不必", "无效",
             "不重要", "意义不大", "作用不大", "帮助不大", "不适用", "不推荐", "不建议", "不用", "不行")
_ZH_AFTER_LEAD = "就也都其实根本完全并倒是我们这里个"
_ZH_AFTER_TAIL = "了吧啊的呢哈"
_ZH_AFTER_RE = re.compile(
    f"^[{_ZH_AFTER_LEAD}]{{0,4}}(?:{'|'.join(_ZH_AFTER)})[{_ZH_AFTER_TAIL}]{{0,2}}$")
_EN_AFTER_RE = re.compile(
    r"^(?:is|are|was|were|'s)?\s*(?:not|n't|never)\s+(?:really\s+)?(?:needed|necessary|required|useful|"
    r"helpful|relevant|recommended|worth\s+it|the\s+answer|a\s+fix)\b"
    r"|^(?:is|are|was|were|'s)\s+(?:unnecessary|useless|pointless|overkill|irrelevant)\b"
    r"|^(?:does|do|did|will|would|wo)\s*(?:not|n't)\s+help\b"
)

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def units(text: str) -> list[str]:
    """Split folded text into units: each CJK character alone, each Latin word whole."""
    found: list[str] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if is_cjk(char):
            found.append(char)
            pos += 1
            continue
        match = _WORD.match(text, pos)
        if match:
            found.append(match.group())
            pos = match.end()
        else:
            pos += 1
    return found


def negated_before(prefix: str, lookahead: str = "") -> bool:
    """Whether the clause text just before a mention negates it.

    prefix is folded text (simplified, case-folded) from the clause start to the mention;
    lookahead is the mention's own first characters, so a compound such as "不同" that runs
    into the mention is still recognised as not negating.
    """
    before = units(prefix)
    # One character per unit, Latin words as a placeholder, so word lists match on a plain string.
    joined = "".join(u if is_cjk(u) else "\x00" for u in before)
    extended = joined + "".join(ch for ch in lookahead[:2] if is_cjk(ch))
    end = len(before)
    for gap in range(0, max(ZH_REACH, EN_REACH) + 1):
        stop = end - gap
        if stop <= 0:
            break
        between = before[stop:]
        if gap <= ZH_REACH and not any(u in ZH_GAP_BREAKS for u in between):
            for negator in ZH_NEGATORS:
                start = stop - len(negator)
                if start >= 0 and joined[start:stop] == negator and not _compound(extended, start, stop):
                    return True
        if gap <= EN_REACH and all(u in EN_GAP_WORDS or (is_cjk(u) and u not in ZH_GAP_BREAKS)
                                   for u in between):
            word = before[stop - 1]
            following = before[stop] if stop < end else ""
            if word in EN_NEGATORS and (word, following) not in EN_NOT_NEGATION:
                return True
            if stop >= 2 and (before[stop - 2], word) in EN_NEGATOR_PAIRS:
                return True
    return False


def _compound(text: str, start: int, stop: int) -> bool:
    """Whether text[start:stop] (a negator) lies inside one of the non-negating words."""
    for word in ZH_NOT_NEGATION:
        for pos in range(max(0, start - len(word) + 1), stop):
            if text.startswith(word, pos) and pos < stop and pos + len(word) > start:
                return True
    return False


def negated_after(suffix: str) -> bool:
    """Whether the clause text right after a mention rejects it ("早停没必要", "is not needed")."""
    zh = "".join(u for u in units(suffix) if is_cjk(u))
    if zh and len(zh) == len(units(suffix)) and _ZH_AFTER_RE.match(zh):
        return True
    return bool(_EN_AFTER_RE.match(suffix.strip()))


def clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause around text[start:end]: from after the previous break to the next one."""
    left = start
    while left > 0 and text[left - 1] not in CLAUSE_BREAKS:
        left -= 1
    right = end
    while right < len(text) and text[right] not in CLAUSE_BREAKS:
        right += 1
    return left, right


def is_negated(text: str, start: int, end: int) -> bool:
    """Whether the mention text[start:end] of folded text is negated within its clause."""
    left, right = clause_bounds(text, start, end)
    return negated_before(text[left:start], text[start:end]) or negated_after(text[end:right])
