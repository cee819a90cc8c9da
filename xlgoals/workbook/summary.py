"""The consolidated workbook: the filing's project sheets with 汇总表, 校验结果 and 指标明细 around them.

The sheets themselves are declared in :mod:`.sheets`; the 汇总表's amounts are formulas into the
project sheets (with their computed results), so a corrected number updates the totals and the chart.
"""

from __future__ import annotations

from pathlib import Path

from .. import layout
from ..merge import MergeResult
from ..rules.report import Report
from .builder import DEFAULT_PASSWORD
from .marks import cell_marks
from .sheets import detail_sheet, report_sheet, summary_sheet
from .writer import sheet_titles, write_filing


def write_merged(result: MergeResult, output: str | Path, *, password: str = DEFAULT_PASSWORD,
                 inputs: tuple[str | Path, ...] = ()) -> Path:
    """The consolidated workbook: cover, 汇总表, 校验结果, project sheets, 指标明细, metadata."""
    report = Report(result.findings)
    findings = report.sorted()
    notes = cell_marks(findings, set(sheet_titles(result.filing)) | {layout.COVER_SHEET})
    front = [summary_sheet(result), report_sheet(findings, _summary_line(result, report), result.filing.resolved_form())]
    return write_filing(result.filing, output, password=password, inputs=inputs, notes=notes, front=front,
                       back=[detail_sheet(result)])


def _summary_line(result: MergeResult, report: Report) -> str:
    text = f"合并 {len(result.filing.projects)} 个项目：{report.summary()}"
    if result.events:
        text += f" 合并时有 {len(result.events)} 项需要注意，见汇总表下方。"
    return text
