"""The grammar of 指标目标值 (target values): ``>=90000人``, ``=100%``, ``合理``, ``2024年年底前`` and their real variants.

A target is parsed once, when a value enters the model, and the checks read the parsed parts.
The grammar is deliberately strict: what it cannot read with certainty is ``unparsed`` (never a
guess), so a reviewer's rule sees "cannot tell" instead of a wrong number. Parsing never raises:
a bad cell is data for the checks. Only stdlib + pydantic, regexes compiled at import, because
the Excel add-in starts a Python process on every ribbon press.
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, PlainSerializer

from .values import amount_text

__all__ = ["DEFAULT_UNITS", "QUALITATIVE_WORDS", "SIGNS", "SIGN_CHARACTERS", "Target", "parse_target"]

# quantitative: op, value, unit (>=90%); qualitative: a word of the scale (合理); time: a period or a
# deadline (2023年全年, 12月底前, 当年内), which is no number with a unit; unparsed: anything else.
Kind = Literal["quantitative", "qualitative", "time", "unparsed"]
Op = Literal[">=", "<=", "=", ">", "<"]
Number = Annotated[Decimal | None, PlainSerializer(lambda v: v if v is None else amount_text(v), when_used="json")]

# The units DOMAIN.md lists, for templates and frameworks. The parser accepts other units too.
DEFAULT_UNITS: tuple[str, ...] = (
    "%", "人", "人次", "家", "个", "次", "场", "天", "年", "月", "元", "万元", "亩", "公里", "辆", "座",
    "分", "部", "期", "节", "门",
)

# Words of the qualitative scale. A target without digits that is one of these, or a short phrase
# containing one (明显改善, 逐步提升, 持续有效), is qualitative. Single characters (是 否 高 好) are
# included on purpose: in a phrase of at most 12 characters they still mark a qualitative statement.
QUALITATIVE_WORDS: tuple[str, ...] = (
    "合理", "健全", "规范", "有效", "是", "否", "及时", "完成", "提升", "建立", "创建", "弘扬", "改善",
    "达标", "优良", "显著", "提高", "良好", "满意", "完善", "准确", "到位", "落实", "符合", "合格", "优秀",
    "按时", "按期", "增强", "保障", "稳定", "安全", "明显", "较好", "较高", "高", "好",
    "增加", "降低", "减少", "扩大", "促进", "加强", "完整", "齐全", "公开", "公平", "公正", "充分", "顺利",
    "正常", "可控",
)

MAX_PHRASE = 12  # longest qualitative phrase; longer prose in the value column is unparsed
_MAX_UNIT = 6

# Comparison signs as written (compared after NFKC) → canonical op: the one list of the grammar,
# the importer (a printed 指标性质 column) and the workbook's split columns. The regex below tries
# the longest spellings first, so 大于等于 comes before 大于 and 等于, and >= before >.
SIGNS: dict[str, str] = {
    "大于或等于": ">=", "小于或等于": "<=",
    "大于等于": ">=", "小于等于": "<=",
    "不低于": ">=", "不少于": ">=", "不小于": ">=",
    "不高于": "<=", "不多于": "<=", "不超过": "<=", "不大于": "<=",
    "大于": ">", "高于": ">", "超过": ">", "小于": "<", "低于": "<", "等于": "=",
    ">=": ">=", "=>": ">=", "<=": "<=", "=<": "<=", "==": "=",
    "≥": ">=", "≧": ">=", "⩾": ">=", "≤": "<=", "≦": "<=", "⩽": "<=", "═": "=",
    "=": "=", ">": ">", "<": "<",
}
# The symbols signs are written with, in either width (＞＝ before NFKC): a sign column's characters.
SIGN_CHARACTERS = "".join(sorted({char for sign in SIGNS for char in sign if not char.isalpha()}
                                 | {chr(ord(char) + 0xFEE0) for char in "<=>"}))
# Written after the quantity, only when no sign was written: 90%以上 means >=90%.
_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("及以上", ">="), ("及以下", "<="), ("以上", ">="), ("以下", "<="), ("以内", "<="),
)
_UNIT_ALIASES = {"百分比": "%", "百分率": "%", "%": "%"}

_SIGN = "|".join(re.escape(s) for s in sorted(SIGNS, key=len, reverse=True))
_NUM = r"-?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?"
_UNIT_CHARS = r"\u3400-\u4dbf\u4e00-\u9fffA-Za-z/·"
_UNIT = rf"%|‰|[{_UNIT_CHARS}]{{1,{_MAX_UNIT}}}"
_LAZY_UNIT = rf"%|‰|[{_UNIT_CHARS}]{{1,{_MAX_UNIT}}}?"
# ≥90.00(%): a unit may be bracketed, as a separate unit column prints it (both brackets or none:
# _bracketed_unit checks, so the pattern stays small: it is compiled at every start of the add-in)
_BRACKETED_UNIT = rf"\(?(?:{_UNIT})\)?"
# SIGN? NUMBER UNIT?  (>=90000人, 100%, =100, =100.00(%))
_NUMBER_FIRST = re.compile(rf"(?P<op>{_SIGN})?(?P<num>{_NUM})(?P<unit>{_BRACKETED_UNIT})?")
# UNIT SIGN? NUMBER UNIT?  (%=100, 人次>=10000, %90, %≥85百分比). Lazy unit so 人次不少于100 splits
# before 不少于. Without a sign only % and ‰ may lead; a unit after the number must be the same one.
_UNIT_FIRST = re.compile(rf"(?P<unit>{_LAZY_UNIT})(?P<op>{_SIGN})?(?P<num>{_NUM})(?P<again>{_BRACKETED_UNIT})?")
_SIGNLESS_LEADS = frozenset({"%", "‰"})
# NUMBER UNIT SIGN  (100%=): the sign trails the unit. A unit is required: "100=" is not read.
_SIGN_LAST = re.compile(rf"(?P<num>{_NUM})(?P<unit>\(?(?:{_LAZY_UNIT})\)?)(?P<op>{_SIGN})")
_FORMS = (_NUMBER_FIRST, _UNIT_FIRST, _SIGN_LAST)

# A unit-shaped tail that is really prose: deadlines (年底前), approximations (100余人, 左右),
# ranges and mixtures (至, 或, 且), ordinals, comparison words, (含) of a bound, template placeholders (XX).
_BAD_UNIT = re.compile(
    r"[前后底初末旬内以左右约余多至到或及且和与并不第的之于超含]|[xX×]{2}|^[/·]|[/·]$")
_QUALITATIVE_SET = frozenset(QUALITATIVE_WORDS)
_QUALITATIVE_WORD_RE = re.compile("|".join(sorted(QUALITATIVE_WORDS, key=len, reverse=True)))
# Digits (any script), signs, percent and template residue: such text is no qualitative word.
_NOT_QUALITATIVE = re.compile(rf"\d|[{re.escape(SIGN_CHARACTERS)}%‰*★☆※#?]|[xX×]{{2}}")

# A period or a deadline: [year] [part of it] [前/内]. 2023年全年, 2024年年底前, 12月底前, 当年内,
# 2023年12月31日, 第四季度, 上半年. A month alone (12月) is a number of months, so it is a time only
# with a day, a 底/初/旬, a year, or 前 after it; "3月内" (within March? within 3 months?) is not read.
_TIME = re.compile(
    r"(?P<year>(?:(?:19|20)[0-9]{2}|[当本今明])年度?)?"
    r"(?P<part>年[底末初中内]|年度内|(?<=年)[底末初中]|全年度?|[上下]半年|第[一二三四1-4]季度[末底]?|[一二三四]季度[末底]?"
    r"|(?P<month>(?:1[0-2]|0?[1-9])月)(?P<day>(?:3[01]|[12][0-9]|0?[1-9])[日号]|[底末初]|[上中下]旬)?)?"
    r"(?P<end>之前|以前|以内|前|内)?")
_BEFORE = frozenset({"前", "之前", "以前"})
# Numbers spelt in Chinese that make a deadline or amount: 第四季度, 两年内, 提高一倍.
_CHINESE_QUANTITY = re.compile(
    r"第[零〇一二三四五六七八九十百千两]|[零〇一二三四五六七八九十两]个?(?:季度|月|年|日|号|周|天|倍|成|小时)")
_DIGIT = re.compile(r"\d")
_INVISIBLE = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]+")
# DOMAIN.md: real tables write a lower bound as ＞ alone (beside ＞= ≥ ≧); ASCII > stays strict.
_LONE_FULLWIDTH_GT = re.compile(r"(?<![=＝])＞(?![=＝])")
_TO_ASCII = str.maketrans({"−": "-", "﹣": "-"})  # minus signs NFKC leaves alone


class Target(BaseModel):
    """A parsed 指标目标值. `raw` is the source of truth; the rest is derived from it.

    ``op`` is None when no comparison was written (``100人``): the parser does not guess one.
    ``value`` is the number as written (``0.5`` for ``>=0.5万元``: units are not scaled). A time
    target (``2024年年底前``) has kind ``time`` and no op, value or unit.
    """

    model_config = ConfigDict(frozen=True)

    kind: Kind
    op: Op | None = None
    value: Number = None
    unit: str | None = None
    raw: str


def _to_raw(text: object) -> str:
    """The input as the person wrote it: numbers without a spurious ".0", no surrounding space."""
    if type(text) is str:
        return text.strip()
    if text is None:
        return ""
    try:
        if isinstance(text, float):
            if not math.isfinite(text):
                return str(text)
            if text.is_integer():
                return str(int(text))
            text = Decimal(repr(text))  # 1e-07 → "0.0000001" below, not exponent notation
        if isinstance(text, Decimal):
            if not text.is_finite() or abs(text.adjusted()) > 100:
                return str(text)
            written = amount_text(text)
            if "." in written and text == text.to_integral_value():
                written = written.rstrip("0").rstrip(".")
            return written
        return str(text).strip()
    except Exception:  # an object whose str() fails, an int too long to print: nothing to read
        return ""


def _decimal(digits: str) -> Decimal | None:
    try:
        return Decimal(digits.replace(",", ""))
    except (InvalidOperation, ValueError):
        return None


_UNIT_VERDICTS: dict[str, str | None] = {}  # few distinct units in real data: remember each verdict


def _unit(unit: str) -> str | None:
    """The normalised unit, or None when the unit-shaped tail is prose. 百分比/百分率 → %; 百分点 stays."""
    try:
        return _UNIT_VERDICTS[unit]
    except KeyError:
        pass
    if unit in _UNIT_ALIASES:
        verdict = _UNIT_ALIASES[unit]
    elif _BAD_UNIT.search(unit) or _QUALITATIVE_WORD_RE.search(unit):
        verdict = None
    else:
        verdict = unit
    if len(_UNIT_VERDICTS) < 4096:
        _UNIT_VERDICTS[unit] = verdict
    return verdict


def _bracketed_unit(unit: str) -> str | None:
    """The unit of ``%`` or ``(%)``; a bracket alone (``(%``) makes no unit."""
    if unit[0] == "(" or unit[-1] == ")":
        if unit[0] != "(" or unit[-1] != ")" or len(unit) < 3:
            return None
        unit = unit[1:-1]
    return _unit(unit)


def _quantity(text: str) -> tuple[str | None, Decimal, str | None] | None:
    """(op, value, unit) of a compact, normalised quantity, or None."""
    suffix_op = None
    if text[-1] in "上下内":
        for suffix, op in _SUFFIXES:
            if text.endswith(suffix):
                text, suffix_op = text[: -len(suffix)], op
                break
    for form in _FORMS:
        match = form.fullmatch(text)
        if match is None:
            continue
        written_op, digits, unit = match.group("op", "num", "unit")
        if written_op is not None and suffix_op is not None:  # >=100人以上: sign and suffix: not read
            return None
        if unit is not None:
            unit = _bracketed_unit(unit)
            if unit is None:  # e.g. 100人不少于 read as one unit: try the next form
                continue
        if form is _UNIT_FIRST:
            again = match.group("again")
            if written_op is None and unit not in _SIGNLESS_LEADS:  # 人90: no notation anyone uses
                continue
            if again is not None and _bracketed_unit(again) != unit:  # %90人
                return None
        value = _decimal(digits)
        if value is None or (unit is not None and unit[0] == "年" and abs(value) >= 1000):
            return None  # 2020年, ≥2023年全年: a date, not a number of years
        return SIGNS[written_op] if written_op is not None else suffix_op, value, unit
    return None


def _is_time(text: str) -> bool:
    match = _TIME.fullmatch(text)
    if match is None or not (match["year"] or match["part"]):
        return False
    bare_month = match["month"] and not (match["year"] or match["day"])
    return not bare_month or match["end"] in _BEFORE


def _is_qualitative(text: str) -> bool:
    if _NOT_QUALITATIVE.search(text) or _CHINESE_QUANTITY.search(text):
        return False
    if text in _QUALITATIVE_SET:
        return True
    return len(text) <= MAX_PHRASE and _QUALITATIVE_WORD_RE.search(text) is not None


_validate = Target.__pydantic_validator__.validate_python  # a dict is faster than __init__'s kwargs


def _target(kind: Kind, raw: str, op: str | None = None, value: Decimal | None = None,
            unit: str | None = None) -> Target:
    return _validate({"kind": kind, "op": op, "value": value, "unit": unit, "raw": raw})


@lru_cache(maxsize=8192)
def _parse_raw(raw: str) -> Target:
    """Cached on the text: real filings repeat a few dozen targets (=100%, 健全) thousands of times."""
    try:
        work = unicodedata.normalize("NFKC", _LONE_FULLWIDTH_GT.sub("≥", raw))
        if "−" in work or "﹣" in work:
            work = work.translate(_TO_ASCII)
        if " " in work or not work.isprintable():
            work = _INVISIBLE.sub("", work)
        if work and _is_time(work):
            return _target("time", raw)
        if _DIGIT.search(work):
            parts = _quantity(work)
            if parts is not None:
                return _target("quantitative", raw, *parts)
        elif work and _is_qualitative(work):
            return _target("qualitative", raw)
    except Exception:  # defensive: a grammar bug must not stop the reading of a workbook
        pass
    return _target("unparsed", raw)


def parse_target(text: object) -> Target:
    """Parse a target value; anything not read with certainty is ``kind="unparsed"``. Never raises.

    Targets are frozen, so equal texts may return the same (cached) instance.
    """
    return _parse_raw(_to_raw(text))
