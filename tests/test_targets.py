"""The target-value grammar: every notation real tables use, and everything it must refuse."""

from __future__ import annotations

import re

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import get_args

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from pydantic import ValidationError

from xlgoals.targets import DEFAULT_UNITS, QUALITATIVE_WORDS, SIGNS, Kind, Target, parse_target

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "shanghai-2020.json"

Q, L, T, U = "quantitative", "qualitative", "time", "unparsed"


def parts(target: Target) -> tuple:
    return target.kind, target.op, target.value, target.unit


# Every distinct 指标目标值 of the seed (the five 2020 tables of 上海市总工会).
SEED = {
    "合理": (L, None, None, None),
    "=100%": (Q, "=", Decimal("100"), "%"),
    "健全": (L, None, None, None),
    "规范": (L, None, None, None),
    ">=90000人": (Q, ">=", Decimal("90000"), "人"),
    "是": (L, None, None, None),
    "提升": (L, None, None, None),
    "建立": (L, None, None, None),
    "有效": (L, None, None, None),
    ">=14160人": (Q, ">=", Decimal("14160"), "人"),
    "及时": (L, None, None, None),
    "弘扬": (L, None, None, None),
    "完成": (L, None, None, None),
    ">=90": (Q, ">=", Decimal("90"), None),
    "=100": (Q, "=", Decimal("100"), None),
    "创建": (L, None, None, None),
    ">=1650": (Q, ">=", Decimal("1650"), None),
    "改善": (L, None, None, None),
    ">=16000人": (Q, ">=", Decimal("16000"), "人"),
    ">=40家": (Q, ">=", Decimal("40"), "家"),
    ">=85%": (Q, ">=", Decimal("85"), "%"),
}

QUANTITATIVE = [
    # sign spellings
    ("≥85%", ">=", "85", "%"),
    ("≧85%", ">=", "85", "%"),
    ("⩾85%", ">=", "85", "%"),
    ("=>85%", ">=", "85", "%"),
    ("> =85%", ">=", "85", "%"),
    ("＞=40家", ">=", "40", "家"),
    ("<=30天", "<=", "30", "天"),
    ("≤30天", "<=", "30", "天"),
    ("≦30天", "<=", "30", "天"),
    ("⩽30天", "<=", "30", "天"),
    ("=<30天", "<=", "30", "天"),
    ("< = 30 天", "<=", "30", "天"),
    ("═100%", "=", "100", "%"),
    ("==100%", "=", "100", "%"),
    ("＝100%", "=", "100", "%"),
    (">90%", ">", "90", "%"),
    ("＞40家", ">=", "40", "家"),  # DOMAIN.md lists a lone full-width ＞ among the >= spellings
    ("＞90％", ">=", "90", "%"),
    ("<5%", "<", "5", "%"),
    ("＜5%", "<", "5", "%"),
    # Chinese comparison words
    ("不低于90%", ">=", "90", "%"),
    ("不少于100人", ">=", "100", "人"),
    ("不小于100人", ">=", "100", "人"),
    ("大于等于95%", ">=", "95", "%"),
    ("大于或等于95%", ">=", "95", "%"),
    ("不高于5%", "<=", "5", "%"),
    ("不多于3次", "<=", "3", "次"),
    ("不超过3天", "<=", "3", "天"),
    ("不大于3天", "<=", "3", "天"),
    ("小于等于3天", "<=", "3", "天"),
    ("小于或等于3天", "<=", "3", "天"),
    ("大于3场", ">", "3", "场"),
    ("高于80分", ">", "80", "分"),
    ("超过3天", ">", "3", "天"),
    ("小于5%", "<", "5", "%"),
    ("低于5%", "<", "5", "%"),
    ("不 低 于 90 %", ">=", "90", "%"),
    # trailing 以上 / 以下 / 以内 when no sign is written
    ("90%以上", ">=", "90", "%"),
    ("100人以上", ">=", "100", "人"),
    ("95%及以上", ">=", "95", "%"),
    ("30天以内", "<=", "30", "天"),
    ("5%以下", "<=", "5", "%"),
    ("5%及以下", "<=", "5", "%"),
    ("100以上", ">=", "100", None),
    # sign after the unit, glued to it
    ("%=100", "=", "100", "%"),
    ("%>=95", ">=", "95", "%"),
    ("人次>=10000", ">=", "10000", "人次"),
    ("人次不少于10000", ">=", "10000", "人次"),
    ("万元≤50", "<=", "50", "万元"),
    ("100%=", "=", "100", "%"),
    ("100人>=", ">=", "100", "人"),
    ("100人不少于", ">=", "100", "人"),
    # no sign: op None, nothing guessed
    ("100%", None, "100", "%"),
    ("95％", None, "95", "%"),
    ("100人", None, "100", "人"),
    ("100", None, "100", None),
    # no unit
    ("=100", "=", "100", None),
    (">=1650", ">=", "1650", None),
    # spelt-out units
    ("100百分比", None, "100", "%"),
    ("=100百分比", "=", "100", "%"),
    (">=95百分率", ">=", "95", "%"),
    ("≥2个百分点", ">=", "2", "个百分点"),
    ("<=1百分点", "<=", "1", "百分点"),
    # numbers
    ("≥ 1,000 人", ">=", "1000", "人"),
    ("≥1，000人", ">=", "1000", "人"),
    (">=1,000,000元", ">=", "1000000", "元"),
    ("=99.5%", "=", "99.5", "%"),
    (">=0.5万元", ">=", "0.5", "万元"),
    (">=1.5公里", ">=", "1.5", "公里"),
    ("=100.00%", "=", "100.00", "%"),
    (">=-5%", ">=", "-5", "%"),
    # units outside DEFAULT_UNITS
    (">=3小时", ">=", "3", "小时"),
    (">=200平方米", ">=", "200", "平方米"),
    ("<=50元/人", "<=", "50", "元/人"),
    (">=2万人次", ">=", "2", "万人次"),
    (">=10km", ">=", "10", "km"),
    ("≥1次/季度", ">=", "1", "次/季度"),
    (">=3人·次", ">=", "3", "人·次"),
    (">=5‰", ">=", "5", "‰"),
    ("<=2年", "<=", "2", "年"),
    (" >=90% ", ">=", "90", "%"),
]

# Notations of real tables the grammar once refused (issue 15, point 8).
REAL_NOTATIONS = [
    # the unit before the number, with or without a sign, and written again after it
    ("%90", None, "90", "%"),
    ("%=98", "=", "98", "%"),
    ("%≥85百分比", ">=", "85", "%"),
    ("%=100%", "=", "100", "%"),
    ("‰3", None, "3", "‰"),
    ("%90以上", ">=", "90", "%"),
    # the unit in brackets, as a separate unit column prints it
    ("≥90.00(%)", ">=", "90.00", "%"),
    ("=100.00(%)", "=", "100.00", "%"),
    ("≥90.00（%）", ">=", "90.00", "%"),
    (">=40(家)", ">=", "40", "家"),
    ("100(%)=", "=", "100", "%"),
    ("90(%)以上", ">=", "90", "%"),
    # comparisons in words, before the number (以上 / 以内 after it)
    ("等于100%", "=", "100", "%"),
    ("等于 100 %", "=", "100", "%"),
    ("大于等于90%", ">=", "90", "%"),
    ("不低于90%", ">=", "90", "%"),
    ("不少于12场", ">=", "12", "场"),
    ("不高于5%", "<=", "5", "%"),
    ("不超过30天", "<=", "30", "天"),
    ("90%以上", ">=", "90", "%"),
    ("3天以内", "<=", "3", "天"),
    ("人次等于100", "=", "100", "人次"),
]

# Periods and deadlines: time targets, no number with a unit such as 年全年.
TIME = [
    "2023年全年", "2024年年底前", "12月底前", "当年内", "2024年底前", "2020年12月31日前", "2020年12月", "2020年",
    "2020年度", "本年度内", "年底前", "年内", "全年", "12月31日前", "6月30号前", "3月前", "10月中旬", "上半年",
    "2023年第四季度", "第3季度末", "四季度", "明年年初", " 2023 年 全年 ", "２０２４年年底前",
]

# NFKC: full-width digits, letters, signs, comma, point and percent.
FULL_WIDTH = [
    ("＝１００％", "=", "100", "%"),
    ("＞＝９０％", ">=", "90", "%"),
    ("＜＝３０天", "<=", "30", "天"),
    ("≥１，０００人", ">=", "1000", "人"),
    ("＝９９．５％", "=", "99.5", "%"),
    ("＞＝１０ｋｍ", ">=", "10", "km"),
    ("％＝１００", "=", "100", "%"),
    ("\u3000>=85%\u3000", ">=", "85", "%"),
    (">=\u300085\u3000%", ">=", "85", "%"),
    (">=\t85\n%", ">=", "85", "%"),
    ("=100\u200b%", "=", "100", "%"),
    ("=－５%", "=", "-5", "%"),
]

QUALITATIVE = [
    "明显改善", "逐步提升", "持续有效", "较高", "进一步提升", "有所提升", "按时完成", "全部到位",
    "是否", "高", "好", "否", "公平公正", "满意度明显提高", "合格", "不合格", "全年完成",
    "合 理", "健全。", "高于去年",
]

UNPARSED = [
    # template residue
    "≥**%", "指标1", "★", "**", "☆", "XX", ">=XX%", "提升XX", "100XX", "≥xx人", "?",
    # ranges
    "100-200人", "1~2部", "1～2部", "1至2部", "90%-100%", "100人左右", "100余人", "约100人", "100多人",
    # dates in no notation of the grammar's, and times mixed with a sign or a quantity
    "2020-12-31", "2020/12/31", "<=2021年", "≥2023年全年", "2023年全年100人", "12月底前>=90%",
    # months that may be a number of months, or a time beyond the calendar
    "3月内", "13月底前", "2023年13月", "12月32日前", "1899年",
    # units before the number that no table writes, or written twice differently
    "人90", "满意度90", "%90人", "%=90百分点", "(%)≥90", "≥90(含)", "≥90(%", "等于", "不等于90%",
    # mixtures and conflicts
    ">=90%且<=100%", ">=90%,<=100%", "≥90%或≥100人", ">=100人以上", "≥100人以上", "=100%以内", ">=>=90",
    "100%%", ">=100%=", "100人以上>=",
    # digits that are no quantity
    "第四季度完成", "两年内完成", "提高一倍", "12月底前完成", "3天完成", "指标名称1", "1.", ".5", "100.",
    "1,0000人", "10,00人", "100/", "100m²", "１２３ａｂｃｄｅｆｇ", "=100 %=", "9.9.9", "100=",
    # no word of the scale, or too long a phrase
    "请填写", "指标", "不低于", "—", "x", "ABC", "进一步提升职工群众满意度和获得感",
    "这是一段很长的说明文字而不是目标值也不是定性词",
    # not numbers
    "nan", "inf", "-inf",
]


@pytest.mark.parametrize("text, expected", SEED.items())
def test_seed_targets(text, expected):
    assert parts(parse_target(text)) == expected
    assert parse_target(text).raw == text


def test_seed_table_covers_the_example_filing():
    """The example JSON is the seed transcribed: each of its targets must be in SEED above."""
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    targets = {row["target"] for project in data["projects"] for row in project["indicators"]}
    assert targets == set(SEED)


@pytest.mark.parametrize("text, op, value, unit", QUANTITATIVE + FULL_WIDTH)
def test_quantitative(text, op, value, unit):
    target = parse_target(text)
    assert parts(target) == (Q, op, Decimal(value), unit)
    assert target.raw == text.strip()


@pytest.mark.parametrize("text, op, value, unit", REAL_NOTATIONS)
def test_real_notations(text, op, value, unit):
    target = parse_target(text)
    assert parts(target) == (Q, op, Decimal(value), unit), text
    assert target.raw == text.strip()


@pytest.mark.parametrize("text", TIME)
def test_time_phrases_are_time_targets(text):
    target = parse_target(text)
    assert parts(target) == (T, None, None, None), text
    assert target.raw == text.strip()


@pytest.mark.parametrize("sign", SIGNS)
def test_every_sign_of_the_one_list_is_read_before_and_after(sign):
    """SIGNS is what the importer takes for a printed 指标性质: each one must parse, in each position."""
    for text in (f"{sign}100%", f"{sign} 100 %", f"%{sign}100", f"100%{sign}"):
        assert parts(parse_target(text)) == (Q, SIGNS[sign], Decimal(100), "%"), text


def test_every_kind_is_named_in_the_exports():
    from xlgoals.export import TARGET_KINDS

    assert set(TARGET_KINDS) == set(get_args(Kind)) and TARGET_KINDS["time"] == "时间"


def test_a_month_alone_is_still_a_number_of_months():
    assert parts(parse_target("12月")) == (Q, None, Decimal(12), "月")
    assert parts(parse_target("<=6月")) == (Q, "<=", Decimal(6), "月")


@pytest.mark.parametrize("text", QUALITATIVE)
def test_qualitative(text):
    target = parse_target(text)
    assert parts(target) == (L, None, None, None)
    assert target.raw == text


@pytest.mark.parametrize("word", QUALITATIVE_WORDS)
def test_every_qualitative_word_is_qualitative(word):
    assert parse_target(word).kind == L
    assert parse_target(f"明显{word}").kind == L


@pytest.mark.parametrize("text", UNPARSED)
def test_unparsed(text):
    target = parse_target(text)
    assert parts(target) == (U, None, None, None)
    assert target.raw == text.strip()


@pytest.mark.parametrize("unit", DEFAULT_UNITS)
def test_every_default_unit_parses_in_every_position(unit):
    assert parts(parse_target(f">=12{unit}")) == (Q, ">=", Decimal(12), unit)
    assert parts(parse_target(f"{unit}>=12")) == (Q, ">=", Decimal(12), unit)
    assert parts(parse_target(f"12{unit}>=")) == (Q, ">=", Decimal(12), unit)


def test_constants():
    assert {"%", "人", "人次", "家", "万元", "门"} <= set(DEFAULT_UNITS)
    required = "合理 健全 规范 有效 是 否 及时 完成 提升 建立 创建 弘扬 改善 达标 优良 显著 提高 良好 满意 完善 " \
               "准确 到位 落实 符合 合格 优秀 按时 按期 增强 保障 稳定 安全 明显 较好 较高 高 好".split()
    assert set(required) <= set(QUALITATIVE_WORDS)
    assert isinstance(DEFAULT_UNITS, tuple) and isinstance(QUALITATIVE_WORDS, tuple)
    assert len(set(QUALITATIVE_WORDS)) == len(QUALITATIVE_WORDS)


@pytest.mark.parametrize("value, raw", [
    (100.0, "100"),
    (100, "100"),
    (0.5, "0.5"),
    (99.5, "99.5"),
    (1e-7, "0.0000001"),
    (Decimal("100.0"), "100"),
    (Decimal("100.00"), "100"),
    (Decimal("99.50"), "99.50"),
    (Decimal("1E+2"), "100"),
    ("  =100%  ", "=100%"),
    ("\u3000合理\n", "合理"),
    ("＝１００％", "＝１００％"),
    ("> = 85 %", "> = 85 %"),
])
def test_raw_is_the_input_as_written(value, raw):
    assert parse_target(value).raw == raw


@pytest.mark.parametrize("value", [100.0, 100, Decimal("100.0")])
def test_numbers_parse_as_bare_quantities(value):
    assert parts(parse_target(value)) == (Q, None, Decimal(100), None)


@pytest.mark.parametrize("value", [None, "", "   ", "\u3000", "\n\t"])
def test_empty_is_unparsed_with_empty_raw(value):
    assert parse_target(value) == Target(kind=U, raw="")


def test_raw_is_never_normalised():
    target = parse_target("≥ 1，000 人")
    assert target.raw == "≥ 1，000 人"
    assert target.op == ">=" and target.value == Decimal(1000)


def test_value_keeps_the_digits_as_written():
    assert str(parse_target("=99.50%").value) == "99.50"
    assert str(parse_target(">=1,000人").value) == "1000"
    assert str(parse_target(Decimal("12.50")).value) == "12.50"


def test_target_is_frozen_and_round_trips_as_json():
    target = parse_target("≥85%")
    with pytest.raises(ValidationError):
        target.op = "<="
    assert Target.model_validate_json(target.model_dump_json()) == target
    assert json.loads(target.model_dump_json()) == {
        "kind": "quantitative", "op": ">=", "value": "85", "unit": "%", "raw": "≥85%"}
    assert hash(target) == hash(parse_target("≥85%"))
    # the number as every other output writes a decimal: never an exponent
    assert json.loads(parse_target(">=0.0000001%").model_dump_json())["value"] == "0.0000001"
    time = parse_target("12月底前")
    assert Target.model_validate_json(time.model_dump_json()) == time


def test_import_is_light():
    code = ("import sys, xlgoals.targets; "
            "print(sorted(m for m in ('pandas', 'openpyxl', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- properties -------------------------------------------------------------------------------

_anything = st.one_of(
    st.text(), st.none(), st.integers(), st.floats(), st.decimals(), st.booleans(),
    st.text(alphabet="0123456789.,，%％<>=＞＜＝≥≤≧≦═-~人次天万元以上下内不低于少超过 \u3000*★年月日"),
)


@given(_anything)
@example("\ud800")
@example("=" * 10_000)
@example("1" * 5_000 + "人")
def test_never_raises_and_keeps_raw(value):
    target = parse_target(value)
    assert isinstance(target, Target)
    if isinstance(value, str):
        assert target.raw == value.strip()
    if target.kind != Q:
        assert (target.op, target.value, target.unit) == (None, None, None)
        assert target.kind in (L, T, U)
    else:
        assert target.value is not None and target.value.is_finite()
    if not target.raw:
        assert target.kind == U


# Spellings of each op: the canonical one first.
_OPS = {
    ">=": [">=", "≥", "≧", "⩾", "＞=", "=>", "不低于", "不少于", "不小于", "大于等于", "大于或等于"],
    "<=": ["<=", "≤", "≦", "⩽", "=<", "不高于", "不多于", "不超过", "不大于", "小于等于", "小于或等于"],
    "=": ["=", "＝", "═", "==", "等于"],
    ">": [">", "大于", "高于", "超过"],
    "<": ["<", "＜", "小于", "低于"],
}
_SUFFIXES = {">=": ["以上", "及以上"], "<=": ["以下", "以内", "及以下"]}
_UNITS = [*DEFAULT_UNITS, "个百分点", "百分点", "小时", "平方米", "元/人", "万人次", "km", "次/季度", "‰"]
_ALIASES = {"百分比": "%", "百分率": "%", "％": "%"}


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@st.composite
def _quantities(draw):
    """A valid quantitative target in any notation, and the (kind, op, value, unit) it means."""
    op = draw(st.sampled_from([None, *_OPS]))
    written_unit = draw(st.sampled_from([None, *_UNITS, *_ALIASES]))
    unit = _ALIASES.get(written_unit, written_unit)
    integer = draw(st.integers(0, 10**12))
    fraction = draw(st.one_of(st.just(""), st.from_regex(r"\.[0-9]{1,4}", fullmatch=True)))
    negative = draw(st.booleans())
    assume(not (unit in ("年",) and integer >= 1000))  # a year is a date: tested in UNPARSED
    separator = draw(st.sampled_from(["", ",", "，"]))
    number = ("-" if negative else "") + f"{integer:,}".replace(",", separator) + fraction
    value = Decimal(number.replace(",", "").replace("，", ""))

    expected_op, sign, layouts = op, "", ["sign first"]
    if op is None:
        if written_unit is not None:  # 以上/以下 may state the op instead of a sign
            expected_op = draw(st.sampled_from([None, ">=", "<="]))
        if unit in ("%", "‰"):  # %90: a percent may lead without a sign
            layouts.append("unit first")
    else:
        sign = draw(st.sampled_from(_OPS[op]))
        if written_unit is not None:
            layouts += ["unit first", "sign last"]
    layout = draw(st.sampled_from(layouts))
    trailing = written_unit
    if written_unit is not None and layout != "unit first" and draw(st.booleans()):
        trailing = draw(st.sampled_from(["({})", "（{}）"])).format(written_unit)  # ≥90(%)
    pieces = {"sign first": [sign, number, trailing],
              "unit first": [written_unit, sign, number, draw(st.sampled_from([None, written_unit]))],  # %≥85%
              "sign last": [number, trailing, sign]}[layout]
    if op is None and expected_op is not None:
        pieces.append(draw(st.sampled_from(_SUFFIXES[expected_op])))
    text = draw(st.sampled_from(["", " ", "\u3000"])).join(piece for piece in pieces if piece)
    if draw(st.booleans()):
        text = _full_width(text)
        if re.search("(?<![=＝])＞(?![=＝])", text):
            expected_op = ">="  # DOMAIN.md: a lone full-width ＞ is written for a lower bound
    if draw(st.booleans()):
        text = draw(st.sampled_from([" ", "\u3000", "\t"])) + text + " "
    return text, (Q, expected_op, value, unit)


@given(_quantities())
@example((">=90000人", (Q, ">=", Decimal(90000), "人")))
@example(("%=100", (Q, "=", Decimal(100), "%")))
@example(("人次不少于1,000", (Q, ">=", Decimal(1000), "人次")))
@example(("%≥85百分比", (Q, ">=", Decimal(85), "%")))
@example(("=100.00(%)", (Q, "=", Decimal("100.00"), "%")))
def test_generated_quantities_recover_op_value_and_unit(case):
    text, expected = case
    target = parse_target(text)
    assert parts(target) == expected, text
    assert target.raw == text.strip()


@given(st.sampled_from(QUALITATIVE_WORDS), st.sampled_from(["", "明显", "逐步", "持续", "进一步", "基本"]),
       st.sampled_from(["", "了", "。"]))
def test_short_phrases_around_a_word_are_qualitative(word, prefix, suffix):
    assert parse_target(prefix + word + suffix).kind == L


@given(st.sampled_from(QUALITATIVE_WORDS), st.integers(0, 10**6), st.sampled_from(["", ">=", "="]))
def test_a_digit_makes_a_word_unparsed(word, number, sign):
    assert parse_target(f"{sign}{number}{word}").kind == U
    assert parse_target(f"{word}{sign}{number}").kind == U


@st.composite
def _time_phrases(draw):
    """[year] [part of it] [前/内], at least a year or a part, spaced and widened at random."""
    year = draw(st.sampled_from(["", "2023年", "2024年度", "当年", "本年度", "今年", "明年"]))
    part = draw(st.sampled_from(["", "全年", "年底", "年末", "年初", "上半年", "下半年", "第四季度", "第1季度末",
                                 "12月31日", "6月底", "10月中旬", "3月初", "1月1号"]))
    assume(year or part)
    end = draw(st.sampled_from(["", "前", "之前", "以前", "内", "以内"]))
    text = draw(st.sampled_from(["", " ", "\u3000"])).join(piece for piece in (year, part, end) if piece)
    return _full_width(text) if draw(st.booleans()) else text


@given(_time_phrases())
@example("2024年底前")
def test_generated_time_phrases_are_time_targets(text):
    assert parts(parse_target(text)) == (T, None, None, None), text
