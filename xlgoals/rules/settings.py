"""A unit's rules file (TOML): switch rules off, change severities, set thresholds.

```toml
[rules.budget-change-large]
threshold = 0.5          # ±50 % instead of ±30 %
[rules.date-outside-year]
enabled = false
[rules.target-unit-unknown]
severity = "error"
```
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputFileError
from .registry import CATALOGUE, Rule


@dataclass(frozen=True)
class RuleSettings:
    """Per-code overrides of the catalogue's defaults."""

    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)

    def enabled(self, rule: Rule) -> bool:
        return bool(self.overrides.get(rule.code, {}).get("enabled", True))

    def severity(self, rule: Rule) -> str:
        return self.overrides.get(rule.code, {}).get("severity", rule.severity)

    def params(self, rule: Rule) -> dict[str, Any]:
        """The rule's thresholds; the catalogue's own dict when none is overridden (checks only read it)."""
        if rule.code not in self.overrides:
            return rule.params
        own = {key: value for key, value in self.overrides[rule.code].items() if key not in ("enabled", "severity")}
        return rule.params | own if own else rule.params


def load_settings(path: str | Path) -> RuleSettings:
    """Read and check a rules file; any mistake is named with the rule and key."""
    from ..fileio import read_input_bytes

    path = Path(path)
    data = read_input_bytes(path, kind="规则设置文件（.toml）", empty=None, missing="找不到规则文件，请检查路径。")
    try:
        data = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InputFileError(f"规则文件不是有效的 UTF-8 TOML（{error}），请检查格式。", path) from None
    return settings_from_dict(data, path)


def settings_from_dict(data: dict[str, Any], origin: str | Path = "规则设置") -> RuleSettings:
    rules = data.get("rules", {})
    if not isinstance(rules, dict) or set(data) - {"rules"}:
        raise InputFileError("规则文件只能包含 [rules.<规则代码>] 小节。", origin)
    for code, options in rules.items():
        if code not in CATALOGUE:
            raise InputFileError(f"没有代码为“{code}”的规则，可用 xlgoals rules 查看全部规则。", origin)
        if not isinstance(options, dict):
            raise InputFileError(f"规则“{code}”的设置应为一个小节。", origin)
        allowed = {"enabled", "severity", *CATALOGUE[code].params}
        for key, value in options.items():
            if key not in allowed:
                raise InputFileError(f"规则“{code}”没有设置项“{key}”（可用：{'、'.join(sorted(allowed))}）。", origin)
            if key == "severity" and value not in ("error", "warning"):
                raise InputFileError(f"规则“{code}”的 severity 只能是 error 或 warning。", origin)
            if key == "enabled" and not isinstance(value, bool):
                raise InputFileError(f"规则“{code}”的 enabled 只能是 true 或 false。", origin)
            if key in CATALOGUE[code].params and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise InputFileError(f"规则“{code}”的 {key} 应为数字。", origin)
    return RuleSettings({code: dict(options) for code, options in rules.items()})
