"""The target-value grammar on every notation DOMAIN.md lists, the seed's targets, and random text."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlgoals import parse_target
from tests.conftest import EXAMPLE

Q = "quantitative"


@pytest.mark.parametrize("text, op, value, unit", [
    (">=90000人", ">=", "90000", "人"),
    ("=100%", "=", "100", "%"),
    (">=85%", ">=", "85", "%"),
    (">=40家", ">=", "40", "家"),
    ("<=30天", "<=", "30", "天"),
    ("≥85%", ">=", "85", "%"),
    ("≧85%", ">=", "85", "%"),
    ("＞=40家", ">=", "40", "家"),
    ("＞40家", ">", "40", "家"),
    ("≤30天", "<=", "30", "天"),
    ("≦30天", "<=", "30", "天"),
    ("＝100%", "=", "100", "%"),
    ("═100%", "=", "100", "%"),
    ("%=100", "=", "100", "%"),
    ("100%=", "=", "100", "%"),
    ("人次>=10000", ">=", "10000", "人次"),
    ("100百分比", None, "100", "%"),
    ("=100百分比", "=", "100", "%"),
    ("95％", None, "95", "%"),
    ("≥ 1,000 人", ">=", "1000", "人"),
    ("≥1，000人", ">=", "1000", "人"),
    ("＝１００％", "=", "100", "%"),
    ("=99.5%", "=", "99.5", "%"),
    (">=0.5万元", ">=", "0.5", "万元"),
    ("不低于95%", ">=", "95", "%"),
    ("不超过30天", "<=", "30", "天"),
    ("100人以上", ">=", "100", "人"),
    ("30天以内", "<=", "30", "天"),
    ("=100", "=", "100", None),
    (">=1650", ">=", "1650", None),
    (">=12场", ">=", "12", "场"),
    ("<=3年", "<=", "3", "年"),
    ("=2部", "=", "2", "部"),
    (">=1.5公里", ">=", "1.5", "公里"),
    (">=100元/人", ">=", "100", "元/人"),
    (" >=90% ", ">=", "90", "%"),
])
def test_quantitative(text, op, value, unit):
    target = parse_target(text)
    assert (target.kind, target.op, target.value, target.unit) == (Q, op, Decimal(value), unit)
    assert target.raw == text.strip()


@pytest.mark.parametrize("text", ["合理", "健全", "规范", "有效", "是", "否", "及时", "完成", "提升", "建立",
                                  "创建", "弘扬", "改善", "达标", "优良", "显著", "明显改善", "逐步提升", "持续有效"])
def test_qualitative(text):
    target = parse_target(text)
    assert (target.kind, target.op, target.value, target.unit, target.raw) == ("qualitative", None, None, None, text)


@pytest.mark.parametrize("text", ["≥**%", "**", "★", "指标1", "100-200人", "1~2部", "2020-12-31",
                                  "2020年12月31日前", ">=90%且<=100%", "≥100人以上", "约100人", "x", "ABC",
                                  "这是一段很长的说明文字而不是目标值也不是定性词"])
def test_unparsed_rather_than_guessed(text):
    target = parse_target(text)
    assert target.kind == "unparsed" and target.op is None and target.value is None and target.raw == text


def test_numbers_and_empty():
    assert parse_target(None).raw == "" and parse_target("  ").kind == "unparsed"
    assert parse_target(90.0).raw == "90" and parse_target(90.0).value == Decimal("90")
    assert parse_target(Decimal("12.50")).value == Decimal("12.50")


def test_every_seed_target():
    """Each target of the seed parses as a reviewer reads it."""
    seed = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    kinds = {}
    for project in seed["projects"]:
        for row in project["indicators"]:
            target = parse_target(row["target"])
            kinds[row["target"]] = (target.kind, target.op, target.value, target.unit)
    assert kinds == {
        "合理": ("qualitative", None, None, None), "健全": ("qualitative", None, None, None),
        "规范": ("qualitative", None, None, None), "有效": ("qualitative", None, None, None),
        "是": ("qualitative", None, None, None), "提升": ("qualitative", None, None, None),
        "建立": ("qualitative", None, None, None), "及时": ("qualitative", None, None, None),
        "弘扬": ("qualitative", None, None, None), "完成": ("qualitative", None, None, None),
        "创建": ("qualitative", None, None, None), "改善": ("qualitative", None, None, None),
        "=100%": (Q, "=", Decimal(100), "%"), ">=90000人": (Q, ">=", Decimal(90000), "人"),
        ">=14160人": (Q, ">=", Decimal(14160), "人"), ">=90": (Q, ">=", Decimal(90), None),
        "=100": (Q, "=", Decimal(100), None), ">=1650": (Q, ">=", Decimal(1650), None),
        ">=16000人": (Q, ">=", Decimal(16000), "人"), ">=40家": (Q, ">=", Decimal(40), "家"),
        ">=85%": (Q, ">=", Decimal(85), "%"),
    }


@given(st.text(max_size=60))
def test_never_raises_and_keeps_raw(text):
    target = parse_target(text)
    assert target.raw == text.strip()
    assert target.kind in ("quantitative", "qualitative", "unparsed")
    if target.kind != "quantitative":
        assert target.value is None and target.op is None


_OPS = {">=": [">=", "≥", "≧", "＞=", "不低于"], "<=": ["<=", "≤", "≦", "不超过"], "=": ["=", "＝", "═"],
        ">": [">", "＞"], "<": ["<", "＜"]}


@given(op=st.sampled_from(sorted(_OPS)), data=st.data(),
       value=st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False),
       unit=st.sampled_from(["%", "人", "人次", "家", "个", "场", "天", "万元", "公里"]),
       after=st.booleans())
def test_generated_quantities_round_trip(op, data, value, unit, after):
    spelled = data.draw(st.sampled_from(_OPS[op]))
    number = format(value, "f")
    text = f"{unit}{spelled}{number}" if after and not spelled[0].isalpha() and "不" not in spelled \
        else f"{spelled}{number}{unit}"
    target = parse_target(text)
    assert (target.kind, target.op, target.value, target.unit) == (Q, op, value, unit), text
