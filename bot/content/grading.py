"""Language cues the keyword grader needs: traditional->simplified folding and negation.

Small hand-kept tables, no dictionary dependency. Imports nothing from the bot (matching.py
builds on it; never bot.core, bot.storage or adapters).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

# Traditional characters (and Taiwan variants) of the shipped pack's key-point vocabulary and of
# the negation words below, each over its simplified form; none of the traditional ones is itself
# a simplified character in use (著 is left out for 显著), so folding never merges two words.
# Generated once with OpenCC (s2t, s2tw); regenerate when a pack brings new characters. A
# missing pair only costs recall, and a pack can always list a traditional alias itself.
_TRADITIONAL = (
    "丟個麼義習亂雲僅優會餘關內決準減則別務動區單卻壓參雙變臺後圖場聲處夠學對層幫並應異棄張強歸當徵態擴擇損換據數斷無"
    "時顯術機權來構標樣橫沒熱監碼確積穩窮篩簽簡類級縱線練經結絡絕維編縮網聯薦慮見規視計訓議論證識詞該誤調譜負資轉載遷"
    "過還適選遞採釋錯隨隱須預領額餾驗魯係繫"
)
_SIMPLIFIED = (
    "丢个么义习乱云仅优会余关内决准减则别务动区单却压参双变台后图场声处够学对层帮并应异弃张强归当征态扩择损换据数断无"
    "时显术机权来构标样横没热监码确积稳穷筛签简类级纵线练经结络绝维编缩网联荐虑见规视计训议论证识词该误调谱负资转载迁"
    "过还适选递采释错随隐须预领额馏验鲁系系"
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
    ("而不是", "而非", "并非", "并不", "不需要", "不必", "不用", "不要", "不是", "不能", "不会", "不可以",
     "不可", "不应该", "不应",
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
    # Potential complements: "单机放不下再上模型并行" is not a negation of 模型并行.
    "不下", "不动", "不起",
)

# A Chinese negator reaches past at most this many units (a character or a Latin word) that are
# not filler, and never across a character that starts a new thought: "数据不够时就用数据增强".
# Filler (verbs of using, degree words) is free: "不太需要额外的正则化" is negated.
ZH_REACH = 4
ZH_MAX_GAP = 8
ZH_GAP_FILLER = frozenset("太怎么很大一定需要用使加到过了的任何额外再去做搞考虑采引入")
ZH_GAP_BREAKS = frozenset("时就则才还而但却也所因如若当后可")

EN_NEGATORS = frozenset((
    "not", "no", "without", "never", "nor", "neither", "don't", "doesn't", "didn't", "won't",
    "wouldn't", "shouldn't", "can't", "cannot", "isn't", "aren't", "dont", "doesnt", "didnt", "cant",
    "skip", "skipping", "avoid",
))
EN_NEGATOR_PAIRS = frozenset((("instead", "of"), ("rather", "than")))
EN_NOT_NEGATION = frozenset((("not", "only"), ("not", "just"), ("no", "matter"), ("no", "doubt")))
# Between an English negator and the term only such words may stand, plus one modifier right
# before the term ("no L2 regularization"): "don't really need to use early stopping" is
# negated, "not sure whether dropout" or "don't just use dropout" is not.
EN_REACH = 4
EN_GAP_WORDS = frozenset((
    "need", "needs", "needed", "to", "for", "use", "using", "used", "apply", "applying", "applied",
    "add", "adding", "added", "any", "the", "a", "an", "do", "really", "even", "bother", "with",
    "require", "requires", "required", "it", "we", "i", "you", "they", "have", "has", "had", "be",
    "much", "more", "extra", "explicit", "additional", "go", "going", "rely", "relying", "on",
    "care", "about", "worry", "try", "trying", "tried", "enable", "enabling", "include", "including",
    "bothering", "recommend", "suggest", "think", "of", "doing", "some", "such", "as",
    "tune", "tuning", "change", "changing", "switch", "switching", "worth",
))

# After the term: "早停没必要", "dropout 就不用了", "regularization isn't needed".
# The rejection must close the clause, after at most a few characters ("对鲁棒性帮助不大"), and
# only particles or a verb of using may follow it ("不用看"); "正则化不用太大" is not a rejection.
_ZH_AFTER = ("不需要", "不用了", "没必要", "没什么用", "没用", "用不上", "用不着", "不管用", "不必", "无效",
             "不重要", "意义不大", "作用不大", "帮助不大", "效果不好", "效果很差", "效果差", "不适用",
             "不推荐", "不建议", "不考虑", "不靠谱", "没关系", "无关", "不用", "不行")
_ZH_AFTER_RE = re.compile(
    f"^[^{''.join(sorted(ZH_GAP_BREAKS))}]{{0,4}}(?:{'|'.join(_ZH_AFTER)})[了吧啊的呢哈看管做加]{{0,2}}$")
_ZH_AFTER_MAX = 24
_EN_AFTER_RE = re.compile(
    r"^(?:is|are|was|were|'s)?\s*(?:not|n't|never)\s+(?:really\s+)?(?:needed|necessary|required|useful|"
    r"helpful|relevant|recommended|worth\s+it|the\s+answer|a\s+fix|(?:good\s+)?enough)\b"
    r"|^(?:is|are|was|were|'s)\s+(?:unnecessary|useless|pointless|overkill|irrelevant|misleading)\b"
    r"|^(?:does|do|did|will|would|wo)\s*(?:not|n't)\s+(?:really\s+)?(?:help|prevent|solve|fix|work)\b"
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
    for gap in range(ZH_MAX_GAP + 1):
        stop = end - gap
        if stop <= 0:
            break
        between = before[stop:]
        if _zh_gap_ok(between):
            for negator in ZH_NEGATORS:
                start = stop - len(negator)
                if start >= 0 and joined[start:stop] == negator and not _compound(extended, start, stop):
                    return True
        if gap <= EN_REACH and _en_gap_ok(between):
            word = before[stop - 1]
            following = before[stop] if stop < end else ""
            if word in EN_NEGATORS and (word, following) not in EN_NOT_NEGATION:
                return True
            if stop >= 2 and (before[stop - 2], word) in EN_NEGATOR_PAIRS:
                return True
    return False


def _zh_gap_ok(between: list[str]) -> bool:
    if any(u in ZH_GAP_BREAKS for u in between):
        return False
    return sum(u not in ZH_GAP_FILLER for u in between) <= ZH_REACH


def _en_gap_ok(between: list[str]) -> bool:
    # The word right before the term may be anything ("no L2 regularization"); the rest is filler.
    return all(u in EN_GAP_WORDS or (is_cjk(u) and u not in ZH_GAP_BREAKS) for u in between[:-1])


def _compound(text: str, start: int, stop: int) -> bool:
    """Whether text[start:stop] (a negator) lies inside one of the non-negating words."""
    for word in ZH_NOT_NEGATION:
        for pos in range(max(0, start - len(word) + 1), stop):
            if text.startswith(word, pos) and pos + len(word) > start:
                return True
    return False


def negated_after(suffix: str) -> bool:
    """Whether the clause text right after a mention rejects it ("早停没必要", "is not needed")."""
    if len(suffix) <= _ZH_AFTER_MAX:  # a Chinese rejection closes a short clause
        parts = units(suffix)
        zh = "".join(u for u in parts if is_cjk(u))
        if zh and len(zh) == len(parts) and _ZH_AFTER_RE.match(zh):
            return True
    return bool(_EN_AFTER_RE.match(suffix.strip()))


def clause_breaks(text: str) -> list[int]:
    """Positions of the clause-ending characters in text, in order."""
    return [i for i, ch in enumerate(text) if ch in CLAUSE_BREAKS]


def clause_bounds(text: str, start: int, end: int, breaks: Sequence[int] | None = None) -> tuple[int, int]:
    """The clause around text[start:end]: from after the previous break to the next one."""
    breaks = clause_breaks(text) if breaks is None else breaks
    before = bisect_left(breaks, start)
    after = bisect_right(breaks, end - 1)
    left = breaks[before - 1] + 1 if before else 0
    return left, breaks[after] if after < len(breaks) else len(text)


# Negators reach only a few units, so a long clause is looked at through this many characters.
_LOOK_BEFORE = 160


def is_negated(text: str, start: int, end: int, breaks: Sequence[int] | None = None) -> bool:
    """Whether the mention text[start:end] of folded text is negated within its clause.

    breaks, from clause_breaks(text), saves finding them again for every mention.
    """
    left, right = clause_bounds(text, start, end, breaks)
    prefix = text[max(left, start - _LOOK_BEFORE):start]
    return negated_before(prefix, text[start:end]) or negated_after(text[end:right])
