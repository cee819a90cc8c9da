"""The merger: departmental workbooks → the unit's consolidated filing, and an account of every decision.

Inputs are read and checked in parallel (one process per core), nothing is dropped in silence:
every unreadable or empty file, file of another unit or year, superseded resubmission, second
copy of the same file and project sent by several departments becomes a :class:`MergeEvent` in
the report. Departments and files are ordered as people count (第2部门 before 第10部门).
"""

from __future__ import annotations

import filecmp
import json
import os
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import layout
from .errors import InputFileError, OutputFileError, XlgoalsError
from .fileio import WORKBOOK_SUFFIXES, real_path, same_file
from .model import Filing, Project, Source
from .rules import Finding, RuleSettings, check_filing


@dataclass
class Submission:
    """One input file as read: its department, its filing, or why it could not be read."""

    path: str
    department: str
    modified: float
    filing: Filing | None = None
    error: str | None = None
    status: str = "已合并"

    @property
    def projects(self) -> int:
        return len(self.filing.projects) if self.filing else 0


@dataclass(frozen=True)
class MergeEvent:
    """A decision the merge took that the finance office must know about."""

    kind: str  # NOT_MERGED's kinds | skipped-merged | superseded | identical | duplicate-project | repeated-input
    file: str  # the input file it is about
    project: str | None
    action: str  # Chinese: what was done
    severity: str = "error"


# Why an input was not merged, for the kinds of event that leave a submission out.
NOT_MERGED = {"unreadable": "无法读取", "text-too-long": "文字超过单元格上限", "empty": "没有填写项目",
              "other-unit": "单位不符", "other-year": "年度不符", "other-form": "表样不符", "other-framework": "指标框架不符"}


def natural(text: str) -> tuple:
    """Order as people count: 第2部门 before 第10部门 (runs of digits compare as numbers)."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text) if part)


@dataclass
class MergeResult:
    filing: Filing
    departments: list[str]  # per project of ``filing``, in order
    submissions: list[Submission]
    events: list[MergeEvent]
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings) + sum(e.severity == "error" for e in self.events)

    def not_merged(self) -> Counter[str]:
        """How many inputs were left out, by reason (NOT_MERGED's kinds)."""
        return Counter(event.kind for event in self.events if event.kind in NOT_MERGED)

    # What the CLI prints and the ribbon's message box says, worded once.
    def event_lines(self) -> list[tuple[str, str, str]]:
        """Each event as (what it concerns, what was done, severity); a project that several
        departments sent is one line, however many departments sent it."""
        lines, said = [], set()
        for event in self.events:
            if event.kind == "duplicate-project":
                if (event.project, event.action) not in said:
                    said.add((event.project, event.action))
                    lines.append((f"“{event.project}”", event.action, event.severity))
                continue
            subject = f"“{event.project}” " if event.project else ""
            lines.append((Path(event.file).name, subject + event.action, event.severity))
        return lines

    def findings_line(self) -> str:
        errors = sum(f.severity == "error" for f in self.findings)
        return (f"校验：{errors} 个强制性错误，{len(self.findings) - errors} 个提示性问题"
                f"（详见汇总文件的“{layout.REPORT_SHEET}”表）。")

    def not_merged_line(self) -> str | None:
        """How many inputs the merged filing lacks, and why (None: it has them all)."""
        left_out = self.not_merged()
        if not left_out:
            return None
        reasons = "，".join(f"{label} {left_out[kind]} 个" for kind, label in NOT_MERGED.items() if left_out[kind])
        return f"{sum(left_out.values())} 个输入文件未合并（{reasons}），汇总填报不含它们的项目"

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": self.filing.unit, "year": self.filing.year, "form": self.filing.form,
            "framework": self.filing.framework,
            "projects": len(self.filing.projects),
            "stats": {"errors": sum(f.severity == "error" for f in self.findings),
                      "warnings": sum(f.severity == "warning" for f in self.findings),
                      "events": len(self.events), "not_merged": sum(self.not_merged().values())},
            "inputs": [{"file": s.path, "department": s.department, "status": s.status, "projects": s.projects,
                        "error": s.error} for s in self.submissions],
            "events": [{"kind": e.kind, "file": e.file, "project": e.project, "action": e.action,
                        "severity": e.severity} for e in self.events],
            "findings": [f.as_dict() for f in self.findings],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"


def collect_inputs(paths: Iterable[str | Path]) -> list[Path]:
    """Workbooks named, and those inside named folders (recursively); Excel's ~$ lock files skipped."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found += _workbooks_in(path)
        else:
            found.append(path)
    unique: dict[str, Path] = {}
    for path in found:
        unique.setdefault(str(real_path(path)), path)
    return list(unique.values())


def _workbooks_in(folder: Path) -> list[Path]:
    """Every entry named like a workbook in ``folder`` and its subfolders (links to folders not followed).

    An entry that is no file (a broken or looping link, a pipe) is kept: the reader says why it cannot
    be read, and the merge lists it. A folder that cannot be listed is refused: what it holds is unknown.
    """

    def refuse(error: OSError) -> None:
        raise InputFileError("无法打开文件夹（没有读取权限），其中的工作簿无法合并；请确认有读取权限后再试。",
                             error.filename)

    return sorted((Path(root) / name for root, _, names in os.walk(folder, onerror=refuse) for name in names
                   if Path(name).suffix.lower() in WORKBOOK_SUFFIXES and not name.startswith("~$")),
                  key=lambda p: natural(str(p)))


def _repeated(paths: Sequence[str | Path]) -> list[Path]:
    """Files named more than once (directly or inside a named folder)."""
    seen: set[str] = set()
    repeated: list[Path] = []
    for path in map(Path, paths):
        members = [path] if not path.is_dir() else collect_inputs([path])
        for member in members:
            key = str(real_path(member))
            if key in seen:
                repeated.append(member)
            seen.add(key)
    return repeated


def _check_output(paths: Sequence[str | Path], output: Path) -> None:
    """The output may replace an earlier consolidated filing inside an input folder, never a submission."""
    if any(not Path(path).is_dir() and same_file(path, output) for path in paths):
        raise OutputFileError("输出文件与输入文件相同，请另选输出文件名，以免覆盖原文件。", output)
    inside = output.is_file() and output.suffix.lower() in WORKBOOK_SUFFIXES and any(
        Path(path).is_dir() and real_path(output).is_relative_to(real_path(path)) for path in paths)
    if inside and read_submission(output).status != "已跳过":
        raise OutputFileError("输出文件是要合并的文件夹中的一份提交，请另选输出文件名，以免覆盖它。", output)


def read_submission(path: str | Path) -> Submission:
    """Read one input; a user-facing problem becomes the submission's error, never an exception."""
    from .workbook.reader import filing_from_content, read_workbook

    path = Path(path)
    try:
        modified = path.stat().st_mtime
    except OSError:  # missing, a looping link, a folder without access: the reader says which
        modified = 0.0
    try:
        content = read_workbook(path)
    except XlgoalsError as error:
        return Submission(str(path), path.stem, modified, error=error.message, status="无法读取")
    if layout.SUMMARY_SHEET in content.other_sheets:
        return Submission(str(path), path.stem, modified, status="已跳过",
                          error="这是已经汇总过的填报，不作为部门提交合并。")
    filing = filing_from_content(content)
    department = filing.department or path.stem
    return Submission(str(path), department, modified, filing=filing)


def merge(
    paths: Sequence[str | Path],
    *,
    unit: str | None = None,
    year: int | None = None,
    rules: RuleSettings | None = None,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    exclude: str | Path | None = None,
) -> MergeResult:
    """Read every input, decide what goes in, and check the merged filing (``exclude``: the output)."""
    if exclude is not None:
        _check_output(paths, Path(exclude))
    inputs = [path for path in collect_inputs(paths)
              if exclude is None or real_path(path) != real_path(exclude)]
    if not inputs:
        raise InputFileError("没有找到要合并的工作簿（.xlsx/.xlsm），请检查路径。")
    submissions = _read_all(inputs, jobs, progress)
    for submission in submissions:  # the consolidated workbook would cut it: not merged, as if unreadable
        if submission.filing is not None and (overlong := layout.overlong_refusal(submission.filing)) is not None:
            submission.filing, submission.error, submission.status = None, overlong[0], "无法合并"
    events: list[MergeEvent] = [MergeEvent("repeated-input", str(path), None, "同一文件给出了不止一次，只读取一次。",
                                           severity="warning") for path in _repeated(paths)]
    events += [MergeEvent(_EVENT_OF_STATUS[s.status], s.path, None, f"未合并：{s.error}",
                          severity="warning" if s.status == "已跳过" else "error")
               for s in submissions if s.error]
    readable = [s for s in submissions if s.filing is not None]
    if not readable:
        if len(submissions) == 1:
            raise InputFileError(submissions[0].error or "无法读取。", submissions[0].path)
        reasons = "；".join(f"{Path(s.path).name}：{(s.error or '').rstrip('。')}" for s in submissions)
        raise InputFileError(f"没有可合并的内容，{len(submissions)} 个输入文件都无法读取或已跳过（{reasons}）。")
    unit, year, form, framework = _target(readable, unit, year)
    accepted: list[Submission] = []
    for submission in readable:
        filing = submission.filing
        if not filing.projects:
            submission.status = "未合并"
            events.append(MergeEvent("empty", submission.path, None,
                                     "未合并：没有填写任何项目（项目表都是空白的），请部门填写后重新提交。"))
        elif filing.resolved_form() != form:
            submission.status = "未合并"
            events.append(MergeEvent("other-form", submission.path, None,
                                     f"未合并：表样是“{filing.resolved_form().name}”，本次汇总的是“{form.name}”；"
                                     "一份汇总只含一种表样，请分开汇总。"))
        elif filing.unit != unit:
            submission.status = "未合并"
            events.append(MergeEvent("other-unit", submission.path, None,
                                     f"未合并：单位是“{filing.unit}”，不是“{unit}”。"))
        elif filing.year != year:
            submission.status = "未合并"
            events.append(MergeEvent("other-year", submission.path, None,
                                     f"未合并：年度是 {filing.year}，不是 {year}。"))
        elif filing.resolved_framework() != framework:
            submission.status = "未合并"
            events.append(MergeEvent("other-framework", submission.path, None,
                                     f"未合并：指标框架是“{filing.framework}”，不是“{framework.id}”。"))
        else:
            accepted.append(submission)
    if not accepted:
        reasons = "；".join(f"{Path(e.file).name}：{NOT_MERGED[e.kind]}" for e in events if e.kind in NOT_MERGED)
        raise InputFileError(f"没有可合并的项目，{len(submissions)} 个输入文件都未合并（{reasons}）。")
    accepted = _latest_per_department(_once_each(accepted, events), events)
    merged, departments = _combine(accepted, unit, year, form, framework, events)
    findings = check_filing(merged, rules)
    return MergeResult(merged, departments, submissions, events, findings)


_EVENT_OF_STATUS = {"无法读取": "unreadable", "无法合并": "text-too-long", "已跳过": "skipped-merged"}


def _read_all(inputs: list[Path], jobs: int | None,
              progress: Callable[[int, int], None] | None) -> list[Submission]:
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(inputs)))
    results: list[Submission] = []
    if jobs == 1:
        for path in inputs:
            results.append(read_submission(path))
            if progress:
                progress(len(results), len(inputs))
        return results
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        try:
            for submission in pool.map(read_submission, inputs, chunksize=max(1, len(inputs) // (jobs * 4))):
                results.append(submission)
                if progress:
                    progress(len(results), len(inputs))
        except BaseException:  # Ctrl-C or SIGTERM to this process alone: the files not started stay unread
            pool.shutdown(cancel_futures=True)
            raise
    return results


def _target(readable: list[Submission], unit: str | None, year: int | None):
    """The unit, year, form and framework of the filing: as given, else what most inputs say."""
    unit = unit or Counter(s.filing.unit for s in readable).most_common(1)[0][0]
    year = year or Counter(s.filing.year for s in readable if s.filing.unit == unit).most_common(1)[0][0]
    same = [s.filing for s in readable if (s.filing.unit, s.filing.year) == (unit, year)] or [readable[0].filing]
    form_id = Counter(filing.form for filing in same).most_common(1)[0][0]  # by id: counted, not compared
    chosen = [filing for filing in same if filing.form == form_id]
    framework_id = Counter(filing.framework for filing in chosen).most_common(1)[0][0]
    first = next(filing for filing in chosen if filing.framework == framework_id)
    return unit, year, first.resolved_form(), first.resolved_framework()


def _once_each(accepted: list[Submission], events: list[MergeEvent]) -> list[Submission]:
    """Byte-identical files (one file saved under two names) are one submission: the newest copy is kept."""
    kept: dict[int, list[Submission]] = defaultdict(list)  # size → the copies kept of that size
    dropped: set[int] = set()
    for submission in sorted(accepted, key=lambda s: (-s.modified, natural(s.path))):
        size = _size(submission.path)
        same = next((k for k in kept[size] if size >= 0 and _same_bytes(k.path, submission.path)), None)
        if same is None:
            kept[size].append(submission)
            continue
        submission.status = "与其他文件相同"
        dropped.add(id(submission))
        events.append(MergeEvent("identical", submission.path, None,
                                 f"只合并一次：与 {Path(same.path).name} 内容完全相同，是同一份文件。", severity="warning"))
    return [submission for submission in accepted if id(submission) not in dropped]


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:  # gone since it was read: compared with nothing
        return -1


def _same_bytes(a: str, b: str) -> bool:
    try:
        return filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False


def _latest_per_department(accepted: list[Submission], events: list[MergeEvent]) -> list[Submission]:
    """A department that submitted twice: the newer file is kept, the older reported."""
    by_department: dict[str, list[Submission]] = defaultdict(list)
    for submission in accepted:
        by_department[submission.department].append(submission)
    kept: list[Submission] = []
    for department, group in by_department.items():
        group.sort(key=lambda s: (s.modified, s.path))
        newest = group[-1]
        for older in group[:-1]:
            older.status = "已被新版本替代"
            events.append(MergeEvent("superseded", older.path, None,
                                     f"未合并：“{department}”另有更新的提交 {Path(newest.path).name}，本文件较旧。",
                                     severity="warning"))
        kept.append(newest)
    return sorted(kept, key=lambda s: (natural(s.department), natural(s.path)))


def _combine(accepted: list[Submission], unit: str, year: int, form, framework,
             events: list[MergeEvent]) -> tuple[Filing, list[str]]:
    """Projects in a stable order (department, then project), each pointing at its merged sheet."""
    from .workbook.writer import sheet_titles

    entries: list[tuple[str, str, Project]] = []
    for submission in accepted:
        for project in submission.filing.projects:
            entries.append((submission.department, submission.path, project))
    entries.sort(key=lambda entry: (natural(entry[0]), natural(entry[2].name or "")))
    owners: dict[str, dict[str, str]] = defaultdict(dict)  # project name → department → its file
    for department, path, project in entries:
        owners[project.name or ""].setdefault(department, path)
    for name, files in owners.items():
        if name and len(files) > 1:
            action = f"都已保留并标注：{len(files)} 个部门提交了同名项目（{_listed(list(files))}）。"
            events += [MergeEvent("duplicate-project", path, name, action) for path in files.values()]
    projects = [project.model_copy(update={"source": None}) for _, _, project in entries]
    filing = Filing(unit=unit, year=year, form=form.id, framework=framework.id, projects=projects,
                    form_spec=form, framework_spec=framework)
    for (department, path, _), project, title in zip(entries, filing.projects, sheet_titles(filing)):
        project.source = Source(file=path, sheet=title, cells=form.written_cells(project))
    return filing, [department for department, _, _ in entries]


def _listed(names: list[str], shown: int = 10) -> str:
    """Names for a message: all of a few, the first ``shown`` of many (the count is said beside them)."""
    return "、".join(names) if len(names) <= shown else "、".join(names[:shown]) + " 等"
