"""The rule catalogue as a reference: terminal table, JSON, and the Markdown of docs/rules.md."""

from __future__ import annotations

import json

from .registry import CATALOGUE, FAMILIES, SEVERITY_LABELS


def catalogue_json() -> str:
    rules = [{"code": rule.code, "title": rule.title, "severity": rule.severity, "family": rule.family,
              "meaning": rule.meaning, "params": rule.params} for rule in CATALOGUE.values()]
    return json.dumps(rules, ensure_ascii=False, indent=2) + "\n"


def catalogue_markdown() -> str:
    lines = ["# 校验规则参考", "",
             "由 `xlgoals rules --format markdown` 生成，请勿手工编辑。级别：**强制性**（error，表格会被退回）、"
             "**提示性**（warning，需要说明）。规则可在规则文件（TOML）中关闭、调整级别或阈值，见 README。", ""]
    for family, label in FAMILIES.items():
        lines += [f"## {label}", ""]
        for rule in CATALOGUE.values():
            if rule.family != family:
                continue
            lines += [f"### `{rule.code}`", "", f"**{rule.title}** · {SEVERITY_LABELS[rule.severity]}（{rule.severity}）", "",
                      rule.meaning, ""]
            if rule.params:
                settings = "，".join(f"`{key} = {value}`" for key, value in rule.params.items())
                lines += [f"可设置：{settings}", ""]
    return "\n".join(lines)


def render_catalogue(console) -> None:
    from ..terminal import add_row, table

    drawn = table("校验规则", ("代码", "名称", "级别", "含义"), whole=("代码", "级别"), show_lines=True)
    for rule in CATALOGUE.values():
        add_row(drawn, rule.code, rule.title, SEVERITY_LABELS[rule.severity], rule.meaning)
    console.print(drawn)
