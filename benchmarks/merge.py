"""Benchmark: how long merging N departmental 绩效目标表 workbooks into one filing takes.

Run from the repository root::

    .venv/bin/python benchmarks/merge.py [--sizes 50 200 500] [--jobs N] [--repeat N] [--workdir DIR]
                                         [--full-naive] [--naive-styles] [--no-profile]

It writes, into a temporary directory (in ``--workdir``, default the system temp folder, whose cost
of creating a file it measures and prints, because the writer creates thousands of part files and
some machines' temp folders are an order of magnitude slower at that than their other disks), as many departmental workbooks as the largest size asks
for (each with its own 填报部门 and 10 project sheets: the five projects of
``examples/shanghai-2020.json`` cycled under names distinct per department, with the seed's long
texts and 15 to 30 indicators, the seed's rows extended with plausible extra rows), in a process
pool; smaller sizes take the first N of them. Generation is timed but not measured. Then, per
size N, in the same run:

* ``floor``: python-calamine reading every sheet's values of every input, one process, best of R;
* ``merge``: ``xlgoals.merge.merge(paths, jobs=J)`` (read in parallel + check) then
  ``xlgoals.workbook.summary.write_merged(result, out)``, in-process, best of R, with the split;
* the same merge in a fresh process, for its peak memory: the main process's and the largest
  worker's ``ru_maxrss``, and the whole process tree sampled from ``/proc`` (PSS, so pages the
  forked workers share with the main process are not counted twice);
* ``naive``: what a script written in an afternoon does: ``openpyxl.load_workbook`` (default
  mode) per input, copy every project sheet's values, merged ranges, column widths and row heights
  into one new openpyxl workbook, save. Styles are not copied by default: copying them cell by
  cell (``--naive-styles``) costs more than loading, and the reference should be the fastest
  sound naive script, not a straw man. Measured on the smallest size only and extrapolated
  linearly to the others (marked ``~``) unless ``--full-naive`` is given.

* ``readers``, on the smallest size only, one process: the candidates for reading the inputs,
  each reading every cell value of every input: python-calamine, openpyxl's read-only mode
  (``read_only=True, data_only=True``, ``iter_rows(values_only=True)``) and openpyxl's default
  mode (the naive merge's load), next to ``xlgoals.load_filing`` (what a merge worker does per
  input: the hostile-package checks, calamine, the model).

It prints a table next to the issue's targets, and a cProfile of the merge of 200 (``jobs=1``, so
the reading shows up in the profile). Only the standard library and the project's own
dependencies are used. This is a script, not a test: it asserts nothing and never writes into the
repository.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import gc
import json
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from pathlib import Path

from common import ROOT, amount, calamine_read, where, yuan  # noqa: E402  (benchmarks/ is on sys.path when a script runs)

SEED = ROOT / "examples" / "shanghai-2020.json"

# The targets from the issue (on a 2-core machine).
TARGET_SIZE = 200
TARGET_SECONDS = 20.0  # 200 workbooks merged in under 20 s
TARGET_SPEEDUP = 4.0  # at least 4 times faster than the naive merge
TARGET_PEAK_MIB = 1024.0  # peak memory under 1 GB
LINEAR_TOLERANCE = 1.25  # per-workbook time may grow by at most this factor between sizes
PROJECTS_PER_WORKBOOK = 10
MIN_INDICATORS, MAX_INDICATORS = 15, 30
MIB = 1024 * 1024


# --------------------------------------------------------------------------- workbooks

# Departments: who sends a workbook to 上海市总工会. A prefix (the 市总 itself, a district or an
# industry union) and an office give 27 × 20 = 540 distinct 填报部门 before any number is needed.
_PREFIXES = ("市总工会", "黄浦区总工会", "徐汇区总工会", "长宁区总工会", "静安区总工会", "普陀区总工会",
             "虹口区总工会", "杨浦区总工会", "闵行区总工会", "宝山区总工会", "嘉定区总工会", "浦东新区总工会",
             "金山区总工会", "松江区总工会", "青浦区总工会", "奉贤区总工会", "崇明区总工会", "建设交通工会",
             "教育工会", "卫生工会", "金融工会", "机电工会", "化工工会", "纺织工会", "冶金工会", "农林水利工会",
             "海员工会")
_OFFICES = ("办公室", "组织部", "宣传教育部", "基层工作部", "权益保障部", "经济工作部", "女职工部", "法律工作部",
            "财务部", "经审办", "职工服务中心", "劳模协会", "工人文化宫", "职工技术协会", "网络工作部", "研究室",
            "帮扶中心", "援助服务中心", "疗休养中心", "职工学校")
_CONTACTS = ("王丽", "张伟", "李静", "刘洋", "陈敏", "杨帆", "赵磊", "黄蕾", "周洁", "吴斌", "徐燕", "孙浩")
_LEVEL1_ORDER = ("投入与管理", "产出目标", "效果目标", "影响力目标")

# Extra indicator rows, in the framework's goals, with targets of the forms a real form carries.
_EXTRA_INDICATORS = (
    ("投入与管理", "投入管理", "预算执行率", "=100%"),
    ("投入与管理", "财务管理", "财务监控有效性", "有效"),
    ("投入与管理", "实施管理", "项目验收规范性", "规范"),
    ("投入与管理", "实施管理", "政府采购执行规范性", "规范"),
    ("产出目标", "数量", "活动开展场次", ">=12场"),
    ("产出目标", "数量", "职工培训人次", ">=3000人次"),
    ("产出目标", "数量", "走访慰问户数", ">=500户"),
    ("产出目标", "数量", "宣传报道篇数", ">=20篇"),
    ("产出目标", "质量", "活动方案审核通过率", "=100%"),
    ("产出目标", "质量", "档案资料完整率", ">=95%"),
    ("产出目标", "质量", "资金发放准确率", "=100%"),
    ("产出目标", "时效", "活动按计划完成率", ">=95%"),
    ("产出目标", "时效", "补助资金发放周期", "<=30天"),
    ("产出目标", "成本", "人均补助标准", "<=1000元/人"),
    ("产出目标", "成本", "项目成本控制率", "<=100%"),
    ("效果目标", "社会效益", "职工参与度", "提升"),
    ("效果目标", "社会效益", "劳模精神宣传覆盖面", ">=80%"),
    ("效果目标", "社会效益", "困难职工生活状况", "改善"),
    ("效果目标", "经济效益", "带动社会资金投入", ">=50万元"),
    ("效果目标", "满意度", "服务对象满意度", ">=90%"),
    ("效果目标", "满意度", "基层工会满意度", ">=85%"),
    ("影响力目标", "长效管理", "建立长效工作机制", "建立"),
    ("影响力目标", "人力资源", "工会干部培训覆盖率", ">=90%"),
    ("影响力目标", "信息共享", "平台数据更新及时率", ">=95%"),
    ("影响力目标", "档案管理", "项目档案归档率", "=100%"),
    ("影响力目标", "硬件条件", "服务阵地达标率", ">=90%"),
)

_SEED_CACHE: dict | None = None


def _seed() -> dict:
    global _SEED_CACHE
    if _SEED_CACHE is None:
        _SEED_CACHE = json.loads(SEED.read_text(encoding="utf-8"))
    return _SEED_CACHE


def department_name(i: int) -> str:
    """The 填报部门 of workbook ``i``: distinct for every i."""
    count = len(_PREFIXES) * len(_OFFICES)
    name = _PREFIXES[i % len(_PREFIXES)] + _OFFICES[(i // len(_PREFIXES)) % len(_OFFICES)]
    return name if i < count else f"{name}{i // count + 1}"


def make_project(seed_project: dict, department: str, i: int, k: int) -> dict:
    """Project ``k`` of department ``i``: a seed project renamed, amounts varied, indicators extended."""
    project = copy.deepcopy(seed_project)
    second = k >= len(_seed()["projects"])
    project["name"] = f"{department}{project['name']}" + ("（二期）" if second else "")
    project["overview"] = f"{department}：{project['overview']}"
    factor = Decimal(80 + (i * 13 + k * 7) % 50) / 100
    for key in ("total", "current_year", "prior_year_budget", "prior_year_executed"):
        value = amount(project["budget"].get(key))
        if value is not None:
            project["budget"][key] = yuan(value * factor)
    wanted = MIN_INDICATORS + (i * PROJECTS_PER_WORKBOOK + k) * 7 % (MAX_INDICATORS - MIN_INDICATORS + 1)
    have = {indicator["level3"] for indicator in project["indicators"]}
    extras = [row for row in _EXTRA_INDICATORS if row[2] not in have]
    start = (i + k) % len(extras)
    extras = extras[start:] + extras[:start]  # a different choice of extra rows per project
    added = [{"level1": l1, "level2": l2, "level3": l3, "target": target}
             for l1, l2, l3, target in extras[: max(0, wanted - len(project["indicators"]))]]
    indicators = project["indicators"] + added  # the seed's rows first within each goal
    project["indicators"] = sorted(indicators, key=lambda row: _LEVEL1_ORDER.index(row["level1"]))
    return project


def make_department(i: int) -> dict:
    seed = _seed()
    department = department_name(i)
    projects = [make_project(seed["projects"][k % len(seed["projects"])], department, i, k)
                for k in range(PROJECTS_PER_WORKBOOK)]
    return {**seed, "department": department, "contact": _CONTACTS[i % len(_CONTACTS)],
            "phone": f"021-{60000000 + i * 137:08d}", "projects": projects}


def write_department(task: tuple[int, str]) -> str:
    """Write workbook ``i`` (a process-pool task)."""
    import xlgoals

    i, directory = task
    filing = xlgoals.Filing.model_validate(make_department(i))
    path = Path(directory) / f"{i + 1:03d}-{department_name(i)}.xlsx"
    return str(xlgoals.write_filing(filing, path))


def write_workbooks(count: int, directory: Path, jobs: int) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    tasks = [(i, str(directory)) for i in range(count)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return [Path(p) for p in pool.map(write_department, tasks, chunksize=max(1, count // (jobs * 8)))]


# --------------------------------------------------------------------------- timing

def file_creation_ms(directory: Path, count: int = 2000) -> float:
    """Median milliseconds to create, write and delete a small file in ``directory``."""
    costs = []
    for _ in range(count):
        start = time.perf_counter()
        handle, name = tempfile.mkstemp(dir=directory)
        os.write(handle, b"x" * 512)
        os.close(handle)
        os.unlink(name)
        costs.append(time.perf_counter() - start)
    return sorted(costs)[count // 2] * 1000


def best_of(fn: Callable[[], object], repeat: int, *, budget_s: float | None = None) -> tuple[float, object, int]:
    """The fastest of up to ``repeat`` calls in s, what that call returned, and how many were timed.

    No warm-up call (one merge of 500 workbooks is its own warm-up); the garbage collector stays
    on but is emptied before each call. With ``budget_s``, stops once that much time was spent.
    """
    best, best_value, spent, n = float("inf"), None, 0.0, 0
    for n in range(1, repeat + 1):
        gc.collect()
        start = time.perf_counter()
        value = fn()
        elapsed = time.perf_counter() - start
        if elapsed < best:
            best, best_value = elapsed, value
        spent += elapsed
        if budget_s is not None and spent >= budget_s:
            break
    return best, best_value, n


def floor_read(paths: list[Path]) -> None:
    """Every sheet's cell values of every input with python-calamine only: the reading floor."""
    for path in paths:
        calamine_read(path)


def openpyxl_read_only(paths: list[Path]) -> None:
    """Every cell value of every input with openpyxl's read-only (streaming) mode."""
    import openpyxl

    for path in paths:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            for ws in book.worksheets:
                for _ in ws.iter_rows(values_only=True):
                    pass
        finally:
            book.close()


def xlgoals_read(paths: list[Path]) -> None:
    """What a merge worker does for each input, in one process: checks, values, the model."""
    from xlgoals import load_filing

    for path in paths:
        load_filing(path)


def xlgoals_merge(paths: list[Path], output: Path, jobs: int) -> dict[str, float]:
    """``merge`` + ``write_merged``, as the CLI does them, timed separately."""
    from xlgoals.merge import merge
    from xlgoals.workbook.summary import write_merged

    start = time.perf_counter()
    result = merge(paths, jobs=jobs)
    middle = time.perf_counter()
    write_merged(result, output, inputs=tuple(paths))
    end = time.perf_counter()
    return {"read_check": middle - start, "write": end - middle, "projects": len(result.filing.projects),
            "findings": len(result.findings), "events": len(result.events),
            "out_mib": output.stat().st_size / MIB, "result": result}


def check_only(result) -> float:
    """``check_filing`` on the merged filing alone: the check's share of read+check."""
    from xlgoals.rules import check_filing

    gc.collect()
    start = time.perf_counter()
    check_filing(result.filing)
    return time.perf_counter() - start


def naive_merge(paths: list[Path], output: Path, *, styles: bool = False) -> dict[str, float]:
    """An afternoon's script: openpyxl default mode in, copy the cells (and styles), one workbook out."""
    import openpyxl
    from openpyxl.cell.cell import MergedCell

    times = {"load": 0.0, "copy": 0.0, "save": 0.0}
    merged = openpyxl.Workbook()
    merged.remove(merged.active)
    taken: set[str] = set()
    for path in paths:
        start = time.perf_counter()
        source = openpyxl.load_workbook(path)
        loaded = time.perf_counter()
        department = source["填报说明"]["B6"].value or path.stem
        for ws in source.worksheets:
            if ws.sheet_state != "visible" or ws.title == "填报说明":
                continue
            title, n = f"{department}-{ws.title}"[:31], 2
            while title in taken:
                title, n = f"{department}-{ws.title}"[: 31 - len(str(n)) - 2] + f"({n})", n + 1
            taken.add(title)
            target = merged.create_sheet(title)
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell, MergedCell) or (cell.value is None and not cell.has_style):
                        continue
                    new = target.cell(row=cell.row, column=cell.column, value=cell.value)
                    if styles and cell.has_style:
                        new.font = copy.copy(cell.font)
                        new.border = copy.copy(cell.border)
                        new.fill = copy.copy(cell.fill)
                        new.alignment = copy.copy(cell.alignment)
                        new.number_format = cell.number_format
            for cell_range in ws.merged_cells.ranges:
                target.merge_cells(str(cell_range))
            for letter, dimension in ws.column_dimensions.items():
                target.column_dimensions[letter].width = dimension.width
            for number, dimension in ws.row_dimensions.items():
                if dimension.height:
                    target.row_dimensions[number].height = dimension.height
        source.close()
        del source
        times["load"] += loaded - start
        times["copy"] += time.perf_counter() - loaded
    start = time.perf_counter()
    merged.save(output)
    times["save"] = time.perf_counter() - start
    times["total"] = times["load"] + times["copy"] + times["save"]
    return times


# --------------------------------------------------------------------------- memory

def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    found = [int(child) for child in text.split()]
    return found + [grandchild for child in found for grandchild in _children(child)]


def _pss_kib(pid: int) -> int:
    """A process's proportional set size (RSS where the kernel has no smaps_rollup), in KiB."""
    for name, key in (("smaps_rollup", "Pss:"), ("status", "VmRSS:")):
        try:
            for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
                if line.startswith(key):
                    return int(line.split()[1])
        except (OSError, ValueError):
            continue
    return 0


def fresh_merge(paths_file: Path, output: Path, jobs: int) -> dict[str, float]:
    """The merge in a fresh process: its figures, plus the process tree's peak sampled every 50 ms."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(paths_file), str(output), str(jobs)]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=paths_file.parent)
    peak = {"tree_kib": 0, "processes": 0}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            pids = [process.pid, *_children(process.pid)]
            total = sum(_pss_kib(pid) for pid in pids)
            if total > peak["tree_kib"]:
                peak["tree_kib"], peak["processes"] = total, len(pids)
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    if Path("/proc/self/status").exists():
        sampler.start()
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - start
    done.set()
    if sampler.is_alive():
        sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"merge in a fresh process exited {process.returncode}:\n{stderr.decode(errors='replace')}")
    figures = json.loads(stdout.decode("utf-8"))
    figures.update(wall=wall, tree_mib=peak["tree_kib"] / 1024, tree_processes=peak["processes"])
    # The workers live while reading, the main process peaks while writing: the larger of the
    # sampled sum and the main process's exact peak is the merge's peak.
    figures["peak_mib"] = max(figures["tree_mib"], figures["self_mib"])
    return figures


def child(paths_file: str, output: str, jobs: str) -> None:
    """The fresh-process side of :func:`fresh_merge`: merge, then print figures as JSON."""
    start = time.perf_counter()
    import xlgoals.merge  # noqa: F401  (timed: what the CLI imports before merging)
    import xlgoals.workbook.summary  # noqa: F401

    imported = time.perf_counter()
    paths = [Path(line) for line in Path(paths_file).read_text(encoding="utf-8").splitlines() if line]
    figures = xlgoals_merge(paths, Path(output), int(jobs))
    figures.pop("result")
    figures["import"] = imported - start
    # Linux reports ru_maxrss in KiB. CHILDREN = the largest pool worker (all were waited for).
    figures["self_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures["worker_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(figures))


# --------------------------------------------------------------------------- profile

def profile(paths: list[Path], output: Path, top: int = 15) -> None:
    from xlgoals.merge import merge
    from xlgoals.workbook.summary import write_merged

    profiler = cProfile.Profile()
    gc.collect()
    profiler.enable()
    phases = {}
    start = time.perf_counter()
    result = merge(paths, jobs=1)
    phases["merge(jobs=1)"] = time.perf_counter() - start
    start = time.perf_counter()
    write_merged(result, output)
    phases["write_merged"] = time.perf_counter() - start
    profiler.disable()
    output.unlink(missing_ok=True)
    stats = pstats.Stats(profiler).stats
    total = sum(phases.values())
    print(f"cProfile of merge(<{len(paths)} workbooks>, jobs=1) + write_merged: "
          + ", ".join(f"{name} {s:.1f} s" for name, s in phases.items())
          + f" under the profiler ({total:.1f} s; profiling inflates Python-heavy code)")
    package = str(ROOT / "xlgoals")
    own = {key: value for key, value in stats.items() if key[0].startswith(package)}
    for title, index, selection in (("cumulative time", 3, stats), ("own (tottime) time", 2, stats),
                                    ("cumulative time, xlgoals's own functions only (the phases)", 3, own)):
        rows = sorted(selection.items(), key=lambda item: item[1][index], reverse=True)[:top]
        print(f"  top {top} by {title}")
        print(f"  {'ncalls':>10} {'tottime s':>9} {'cumtime s':>9}  function")
        for (filename, line, name), (cc, nc, tt, ct, _callers) in rows:
            calls = str(nc) if cc == nc else f"{nc}/{cc}"
            print(f"  {calls:>10} {tt:>9.2f} {ct:>9.2f}  {where(filename, line, name)}")
        print()


# --------------------------------------------------------------------------- report

def print_table(rows: dict[int, dict], jobs: int, repeat: int, naive_styles: bool) -> None:
    smallest = min(rows)
    print(f"Merge of N departmental workbooks ({PROJECTS_PER_WORKBOOK} project sheets each; seconds, "
          f"in-process best of up to {repeat}; jobs={jobs})")
    header = (f"{'N':>4} {'floor':>6} {'merge':>7} {'(read+check':>11} {'/ write)':>8} {'naive':>8} "
              f"{'speed-up':>8} {'wb/s':>6} {'peak MiB':>8} {'s/wb':>6} {'s/wb ×':>7}")
    print(header)
    print("-" * len(header))
    previous = None
    for size, r in rows.items():
        total = r["merge"]["read_check"] + r["merge"]["write"]
        per_wb = total / size
        mark = "~" if r["naive_extrapolated"] else " "
        ratio = f"{per_wb / previous:>6.2f}x" if previous else f"{'-':>7}"
        print(f"{size:>4} {r['floor']:>6.2f} {total:>7.2f} {r['merge']['read_check']:>11.2f} "
              f"{r['merge']['write']:>8.2f} {mark}{r['naive']:>7.1f} {r['naive'] / total:>7.1f}x "
              f"{size / total:>6.1f} {r['fresh']['peak_mib']:>8.0f} {per_wb:>6.3f} {ratio}")
        previous = per_wb
    print("  floor   = python-calamine: from_path + to_python(skip_empty_area=False) of every sheet of every input,"
          " one process")
    print("  merge   = xlgoals.merge.merge(paths, jobs) [read in parallel + check] + write_merged(result, out)")
    copied = "values, styles, merged ranges and sizes" if naive_styles else "values, merged ranges and sizes (no styles)"
    print(f"  naive   = openpyxl.load_workbook (default mode) per input, copy the {copied} of every project sheet"
          f" into one Workbook, save;  ~ = extrapolated linearly from N={smallest}")
    print("  peak    = the merge in a fresh process: the larger of the main process's ru_maxrss and the whole"
          " process tree's PSS (main + pool workers) sampled every 50 ms")
    print("  s/wb ×  = merge seconds per workbook against the row above (1.00x = linear; < 1: fixed costs"
          " amortised)")


def print_details(rows: dict[int, dict]) -> None:
    print("Details per size")
    header = (f"{'N':>4} {'read':>6} {'check':>6} {'write':>6} {'runs':>4} {'projects':>8} {'findings':>8} "
              f"{'events':>6} {'out MiB':>7} {'fresh s':>7} {'import':>6} {'main MiB':>8} {'worker MiB':>10} "
              f"{'tree MiB':>8}")
    print(header)
    print("-" * len(header))
    for size, r in rows.items():
        m, f = r["merge"], r["fresh"]
        print(f"{size:>4} {m['read_check'] - r['check']:>6.2f} {r['check']:>6.2f} {m['write']:>6.2f} {r['runs']:>4} "
              f"{m['projects']:>8} {m['findings']:>8} {m['events']:>6} {m['out_mib']:>7.1f} {f['wall']:>7.2f} "
              f"{f['import']:>6.2f} {f['self_mib']:>8.0f} {f['worker_mib']:>10.0f} "
              f"{f['tree_mib']:>8.0f}")
    print("  read    = read+check - check (parallel reading, pickling back to the main process, combining)")
    print("  check   = check_filing(merged filing) timed alone, once")
    print("  fresh s = the whole merge in a fresh process (start-up, imports, pool start, read, check, write);"
          " import = its imports")
    print("  main / worker MiB = ru_maxrss of the main process / of the largest pool worker;"
          " tree = sampled sum (PSS) of all of them at once")
    naive = [(size, r["naive_split"]) for size, r in rows.items() if r["naive_split"]]
    for size, split in naive:
        print(f"  naive at N={size}: load {split['load']:.1f} s + copy {split['copy']:.1f} s + save "
              f"{split['save']:.1f} s = {split['total']:.1f} s ({split['load'] / size:.2f} s per workbook to load)")


def print_readers(size: int, readers: dict[str, float]) -> None:
    print(f"Reading the inputs: every cell value of N={size} workbooks, one process (seconds, best of the runs)")
    header = f"{'reader':<48} {'s':>7} {'ms/wb':>7} {'x calamine':>10}"
    print(header)
    print("-" * len(header))
    for name, seconds in sorted(readers.items(), key=lambda item: item[1]):
        print(f"{name:<48} {seconds:>7.2f} {seconds / size * 1000:>7.1f} {seconds / readers['python-calamine']:>9.1f}x")
    print("  the merge reads with python-calamine (xlgoals.load_filing adds the package checks and the model;"
          " the ribbon reads through Excel)")


def print_targets(rows: dict[int, dict]) -> None:
    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    print("Targets (from the issue, on its 2-core machine)")
    r = rows.get(TARGET_SIZE)
    if r is not None:
        total = r["merge"]["read_check"] + r["merge"]["write"]
        print(f"  {TARGET_SIZE} workbooks merged < {TARGET_SECONDS:.0f} s: {total:.1f} s in-process, "
              f"{r['fresh']['wall']:.1f} s in a fresh process  -> {verdict(r['fresh']['wall'] < TARGET_SECONDS)}")
    else:
        print(f"  {TARGET_SIZE} workbooks merged < {TARGET_SECONDS:.0f} s: not measured (add {TARGET_SIZE} to --sizes)")
    for size, r in rows.items():
        total = r["merge"]["read_check"] + r["merge"]["write"]
        speedup = r["naive"] / total
        note = " (naive extrapolated)" if r["naive_extrapolated"] else ""
        print(f"  >= {TARGET_SPEEDUP:.0f}x faster than naive, N={size:>3}: {speedup:.1f}x{note}  "
              f"-> {verdict(speedup >= TARGET_SPEEDUP)}")
    for size, r in rows.items():
        peak = r["fresh"]["peak_mib"]
        print(f"  peak memory < {TARGET_PEAK_MIB:.0f} MiB, N={size:>3}: {peak:.0f} MiB (main process "
              f"{r['fresh']['self_mib']:.0f} MiB, process tree {r['fresh']['tree_mib']:.0f} MiB)  "
              f"-> {verdict(peak < TARGET_PEAK_MIB)}")
    sizes = list(rows)
    if len(sizes) > 1:
        per_wb = {size: (r["merge"]["read_check"] + r["merge"]["write"]) / size for size, r in rows.items()}
        ratios = [per_wb[b] / per_wb[a] for a, b in zip(sizes, sizes[1:])]
        worst = max(ratios)
        # least squares t = a + b·N over the sizes: the fixed cost and the cost per workbook
        n = len(sizes)
        totals = [per_wb[s] * s for s in sizes]
        mean_x, mean_y = sum(sizes) / n, sum(totals) / n
        slope = (sum((x - mean_x) * (y - mean_y) for x, y in zip(sizes, totals))
                 / sum((x - mean_x) ** 2 for x in sizes))
        fixed = mean_y - slope * mean_x
        worst_residual = max(abs(y - (fixed + slope * x)) / y for x, y in zip(sizes, totals))
        print(f"  linear growth: seconds per workbook from N={sizes[0]} to N={sizes[-1]}: "
              + " -> ".join(f"{per_wb[s]:.3f}" for s in sizes)
              + f" (largest step {worst:.2f}x; fit {fixed:.2f} s + {slope * 1000:.1f} ms × N, "
              f"largest residual {100 * worst_residual:.0f}%; a negative fixed cost means faster than linear "
              f"growth)  -> {verdict(worst <= LINEAR_TOLERANCE)}")


# --------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        child(*argv[1:4])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200, 500], metavar="N",
                        help="numbers of departmental workbooks (default: 50 200 500)")
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help="worker processes for the merge and the generation (default: all cores)")
    parser.add_argument("--repeat", type=int, default=3, metavar="N",
                        help="in-process runs per figure, best taken (default 3; a merge stops repeating after 60 s)")
    parser.add_argument("--full-naive", action="store_true",
                        help="run the naive merge at every size instead of extrapolating from the smallest")
    parser.add_argument("--naive-styles", action="store_true",
                        help="the naive merge also copies every cell's font, border, fill, alignment and format")
    parser.add_argument("--workdir", type=Path, default=None, metavar="DIR",
                        help="where the inputs and the output are written (default: the system temp folder)")
    parser.add_argument("--no-profile", action="store_true", help=f"skip the cProfile of the {TARGET_SIZE} merge")
    args = parser.parse_args(argv)
    if args.repeat < 1 or any(size < 1 for size in args.sizes) or (args.jobs is not None and args.jobs < 1):
        parser.error("--sizes, --jobs and --repeat must be positive")
    sizes = sorted(set(args.sizes))
    jobs = args.jobs or os.cpu_count() or 1

    import openpyxl
    import pydantic
    from importlib.metadata import version

    print(f"Python {sys.version.split()[0]} ({sys.executable}); python-calamine "
          f"{version('python-calamine')}, openpyxl {openpyxl.__version__}, pydantic {pydantic.VERSION}; "
          f"{os.cpu_count()} CPUs, merge jobs={jobs}")
    with tempfile.TemporaryDirectory(prefix="xlgoals-bench-merge-", dir=args.workdir) as tmp:
        directory = Path(tmp)
        print(f"Creating a file in {directory} costs {file_creation_ms(directory):.3f} ms "
              "(median of 2,000 mkstemp + unlink)")
        start = time.perf_counter()
        paths = write_workbooks(max(sizes), directory / "inputs", jobs)
        elapsed = time.perf_counter() - start
        kib = sum(p.stat().st_size for p in paths) / len(paths) / 1024
        print(f"Wrote {len(paths)} departmental workbooks into {directory} in {elapsed:.1f} s with {jobs} processes "
              f"(not measured; {kib:.0f} KiB each, {PROJECTS_PER_WORKBOOK} projects of "
              f"{MIN_INDICATORS}-{MAX_INDICATORS} indicators; seed: {SEED.relative_to(ROOT)}); "
              f"sizes {', '.join(map(str, sizes))} use the first N\n")

        rows: dict[int, dict] = {}
        output = directory / "merged.xlsx"
        for size in sizes:
            subset = paths[:size]
            t0 = time.perf_counter()
            row: dict = {}
            row["floor"], _, _ = best_of(lambda: floor_read(subset), args.repeat)
            _, figures, row["runs"] = best_of(lambda: xlgoals_merge(subset, output, jobs), args.repeat, budget_s=60.0)
            row["check"] = check_only(figures.pop("result"))
            row["merge"] = figures
            output.unlink(missing_ok=True)
            paths_file = directory / f"paths-{size}.txt"
            paths_file.write_text("".join(f"{p}\n" for p in subset), encoding="utf-8")
            row["fresh"] = fresh_merge(paths_file, output, jobs)
            output.unlink(missing_ok=True)
            row["naive"], row["naive_split"], row["naive_extrapolated"] = None, None, True
            rows[size] = row
            print(f"  N={size}: measured in {time.perf_counter() - t0:.0f} s", flush=True)

        for size in sizes:
            if size == sizes[0] or args.full_naive:
                gc.collect()
                split = naive_merge(paths[:size], output, styles=args.naive_styles)
                output.unlink(missing_ok=True)
                rows[size].update(naive=split["total"], naive_split=split, naive_extrapolated=False)
                print(f"  naive N={size}: {split['total']:.1f} s", flush=True)
        subset = paths[:sizes[0]]
        readers = {"python-calamine": rows[sizes[0]]["floor"],
                   "openpyxl default mode (the naive load, one run)": rows[sizes[0]]["naive_split"]["load"]}
        readers["openpyxl read_only=True"], _, _ = best_of(lambda: openpyxl_read_only(subset), args.repeat,
                                                           budget_s=30.0)
        readers["xlgoals.load_filing (calamine + checks + model)"], _, _ = best_of(
            lambda: xlgoals_read(subset), args.repeat)
        base = sizes[0]
        for size in sizes:
            if rows[size]["naive_extrapolated"]:
                rows[size]["naive"] = rows[base]["naive"] * size / base
        print()

        print_table(rows, jobs, args.repeat, args.naive_styles)
        print()
        print_details(rows)
        print()
        print_readers(sizes[0], readers)
        print()
        print_targets(rows)
        print()
        if not args.no_profile and TARGET_SIZE <= len(paths):
            profile(paths[:TARGET_SIZE], output)


if __name__ == "__main__":
    main()
