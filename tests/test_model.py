"""The filing model: hand-written JSON, the JSON export, the schema, and bad values kept as text."""

import datetime as dt
import json
from decimal import Decimal

from xlgoals import Filing, filing_json_schema
from xlgoals.export import filing_to_json


def test_hand_written_json_is_typed(example_filing):
    first = example_filing.projects[0]
    assert first.name == "灵活就业群体工会会员专项工作经费"
    assert first.start_date == dt.date(2020, 1, 1)
    assert first.government_procurement is False
    assert first.budget.total == Decimal("9000000")
    assert first.unit == "上海市总工会" and first.year == 2020
    target = first.indicators[6].target
    assert (target.kind, target.op, target.value, target.unit) == ("quantitative", ">=", Decimal("90000"), "人")


def test_export_reads_back_equal(example_filing):
    exported = filing_to_json(example_filing)
    again = Filing.model_validate_json(exported)
    assert again == example_filing
    assert json.loads(exported)["projects"][0]["indicators"][0]["target"]["raw"] == "合理"


def test_bad_values_are_kept_as_text():
    filing = Filing.model_validate({
        "unit": "某单位", "year": "2021年",
        "projects": [{"name": "项目", "start_date": "年初", "government_procurement": "不详",
                      "budget": {"total": "九百万", "current_year": "1,000"}}],
    })
    project = filing.projects[0]
    assert filing.year == 2021
    assert project.start_date == "年初"
    assert project.government_procurement == "不详"
    assert project.budget.total == "九百万"
    assert project.budget.current_year == Decimal("1000")


def test_empty_indicator_rows_are_dropped():
    filing = Filing.model_validate({"projects": [{"name": "x", "indicators": [{}, {"level3": "a"}, {"target": " "}]}]})
    assert [row.level3 for row in filing.projects[0].indicators] == ["a"]


def test_schema_names_the_domain_fields():
    schema = filing_json_schema()
    project = schema["$defs"]["Project"]["properties"]
    for name in ("name", "category", "start_date", "government_procurement", "objectives", "budget", "indicators"):
        assert name in project
    assert "source" not in project
    assert set(schema["$defs"]["Target"]["properties"]) >= {"kind", "op", "value", "unit", "raw"}
