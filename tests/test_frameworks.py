"""Frameworks as data: the built-ins, a unit's own file, and what travels inside a workbook."""

from __future__ import annotations

import json
import tomllib

import pytest

from xlgoals import Filing, build_template, load_filing, load_framework, validate, write_filing
from xlgoals.errors import InputFileError
from xlgoals.frameworks import FRAMEWORKS_DIR, Framework, builtin_ids

CUSTOM = (FRAMEWORKS_DIR / "national-2021.toml").read_text(encoding="utf-8").replace(
    'id = "national-2021"', 'id = "shenzhen-2022"').replace(
    'categories = ["其他运转类项目", "特定目标类项目"]', 'categories = ["民生类项目", "其他运转类项目"]')


def test_builtins_follow_domain():
    shanghai, national = load_framework("shanghai-2020"), load_framework("national-2021")
    assert set(builtin_ids()) == {"shanghai-2020", "national-2021", "national-2015"}
    assert list(shanghai.tree()) == ["投入与管理", "产出目标", "效果目标", "影响力目标"]
    assert shanghai.tree()["产出目标"][:3] == ("数量", "质量", "时效")
    assert list(national.tree()) == ["成本指标", "产出指标", "效益指标", "满意度指标"]
    assert national.tree()["满意度指标"] == ("服务对象满意度指标",)
    assert {"政策补贴类", "事业/专业类"} <= set(shanghai.choices.performance_types)
    assert "经常性专项业务费" in shanghai.choices.categories


def test_standard_rows_are_the_seeds_union_per_type(example_data):
    """Every 投入与管理 row a seed project carries is a standard row of its 绩效类型, with its target."""
    framework = load_framework("shanghai-2020")
    for project in example_data["projects"]:
        standard = {(r.level2, r.level3, r.target) for r in framework.standard_rows_for(project["performance_type"])}
        for row in project["indicators"]:
            if row["level1"] == "投入与管理":
                assert (row["level2"], row["level3"], row["target"]) in standard, row


def test_a_units_own_framework_travels_in_the_workbook(tmp_path):
    own = tmp_path / "深圳.toml"
    own.write_text(CUSTOM, encoding="utf-8")
    template = build_template(tmp_path / "t.xlsx", unit="某局", year=2022, framework=own, projects=1)
    assert load_filing(template).framework == "shenzhen-2022"
    filing = Filing.model_validate({"unit": "某局", "year": 2022, "framework": "shenzhen-2022", "projects": [
        {"name": "P", "category": "民生类项目", "indicators": [{"level1": "产出指标", "level2": "数量", "level3": "x",
                                                          "target": ">=1人"}]}]})
    with pytest.raises(InputFileError, match="找不到指标框架"):  # nothing registered it: the filing must carry it
        write_filing(filing, tmp_path / "f.xlsx")
    filing.framework_spec = load_framework(own)
    path = write_filing(filing, tmp_path / "f.xlsx")
    read = load_filing(path)
    codes = {finding.code for finding in validate(read).findings}
    assert "choice-invalid" not in codes  # 民生类项目 is a category of the unit's own framework
    assert "level2-unknown" in codes  # 数量 is not a level-2 name of that framework (数量指标 is)


def test_qualitative_words_are_the_grammars_one_list(tmp_path):
    """No framework names qualitative words of its own (nothing read them: the grammar has the one list);
    a unit's file or a workbook written with the old list still loads."""
    for framework_id in builtin_ids():
        data = tomllib.loads((FRAMEWORKS_DIR / f"{framework_id}.toml").read_text(encoding="utf-8"))
        assert "qualitative_words" not in data["vocabulary"], framework_id
        assert "qualitative_words" not in load_framework(framework_id).vocabulary.model_dump()
    assert CUSTOM.rstrip().endswith("]") and CUSTOM.rfind("[vocabulary]") > CUSTOM.rfind("[[")
    old = tmp_path / "old.toml"
    old.write_text(CUSTOM + 'qualitative_words = ["合理", "健全"]\n', encoding="utf-8")  # into [vocabulary]
    framework = load_framework(old)
    assert framework.vocabulary == load_framework("national-2021").vocabulary
    stored = framework.model_dump()  # as a workbook keeps its framework, written by an earlier version
    stored["vocabulary"]["qualitative_words"] = ["合理"]
    assert Framework.model_validate_json(json.dumps(stored, ensure_ascii=False)) == framework


def test_framework_mismatch_is_refused(tmp_path, example_filing):
    path = write_filing(example_filing, tmp_path / "s.xlsx")
    with pytest.raises(InputFileError, match="national-2021"):
        load_filing(path, framework="national-2021")


@pytest.mark.parametrize("text, message", [
    ("id = ", "不是有效的 TOML"),
    ('id = "x"\nname = "x"\n', "内容有误"),
    (CUSTOM.replace('children = ["数量指标", "质量指标", "时效指标"]', 'children = ["数量指标"]'), "必填二级目标"),
    (CUSTOM.replace('id = "shenzhen-2022"', 'id = "shanghai-2020"'), "内置框架的编号"),
])
def test_bad_framework_files(tmp_path, text, message):
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError, match=message):
        load_framework(bad)


def test_workbooks_of_a_units_own_framework_merge_in_parallel(tmp_path):
    """No registry: each workbook's framework travels with its filing to the workers, the checks and the writer."""
    from tests.support.cli import run

    own = tmp_path / "深圳.toml"
    own.write_text(CUSTOM, encoding="utf-8")
    framework = load_framework(own)
    paths = []
    for department in ("办公室", "组织部", "宣传部"):
        filing = Filing.model_validate({"unit": "某局", "year": 2022, "framework": "shenzhen-2022",
                                        "department": department, "projects": [
            {"name": f"{department}项目", "category": "民生类项目", "indicators": [
                {"level1": "产出指标", "level2": "数量指标", "level3": "x", "target": ">=1人"}]}]})
        filing.framework_spec = framework
        paths.append(write_filing(filing, tmp_path / f"{department}.xlsx"))
    own.unlink()
    out = tmp_path / "汇总.xlsx"
    result = run("merge", *map(str, paths), "--jobs", "2", "-o", str(out))
    assert result.returncode == 0, result.stderr
    merged = load_filing(out)
    assert merged.framework == "shenzhen-2022" and len(merged.projects) == 3
    assert "choice-invalid" not in {finding.code for finding in validate(merged).findings}
