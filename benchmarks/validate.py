"""Benchmark: how long reading and validating a filled 绩效目标表 workbook takes.

Run from the repository root::

    .venv/bin/python benchmarks/validate.py [--sizes 5 20 100] [--repeat N] [--no-profile] [--keep DIR]

It writes workbooks of 5, 20 and 100 project sheets (the five projects of
``examples/shanghai-2020.json`` cycled under distinct names, with a few values varied so the
rules have findings) into a temporary directory (or DIR, kept, to compare findings or timings
across code versions on the same files), then measures, best of N:

* in-process (``time.perf_counter``): python-calamine reading every sheet (the floor),
  openpyxl's default load touching every cell (a reference), ``xlgoals.load_filing`` and
  ``xlgoals.rules.validate(...).to_json()``;
* in fresh processes: ``import xlgoals``, ``import xlgoals.rules`` and a whole
  ``python -m xlgoals validate FILE --format json`` on the 20-project workbook;

and prints them next to the targets, the heaviest imports (``-X importtime``) and a cProfile of
the 20-project validate. Only the standard library and the project's own dependencies are used.
This is a script, not a test: it asserts nothing and writes only its workbooks (into a temporary
directory, or DIR).
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import gc
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from common import ROOT, amount, calamine_read, where, yuan  # noqa: E402  (benchmarks/ is on sys.path when a script runs)

SEED = ROOT / "examples" / "shanghai-2020.json"

# The targets from the issue.
TARGET_VALIDATE_20_MS = 200.0  # 20-project validate, after start-up
TARGET_CHECKS_PCT = 20.0  # checks on top of reading
TARGET_IMPORT_MS = 300.0  # `import xlgoals` in a fresh process
PROFILE_SIZE = 20  # the workbook used for the CLI run and the profile


# --------------------------------------------------------------------------- workbooks

def make_projects(seed: dict, count: int) -> list[dict]:
    """``count`` projects: the seed's cycled, renamed, with amounts and a few values varied.

    Roughly one copy in four gets a low prior-year execution, one in six a current-year budget
    above the total, one in five an indicator target without its %, and one in seven an end date
    before the start date, so every size has findings of several rules besides the seed's own.
    """
    projects = []
    base = seed["projects"]
    for i in range(count):
        project = copy.deepcopy(base[i % len(base)])
        copy_no = i // len(base) + 1
        project["name"] = f"{project['name']}{copy_no:03d}"  # ≤ 31 chars: a distinct sheet title
        factor = Decimal(100 + (i * 7) % 40) / 100
        budget = project["budget"]
        for key in ("total", "current_year", "prior_year_budget", "prior_year_executed"):
            value = amount(budget.get(key))
            if value is not None:
                budget[key] = yuan(value * factor)
        if i % 4 == 3 and amount(budget.get("prior_year_budget")):
            budget["prior_year_executed"] = yuan(amount(budget["prior_year_budget"]) * Decimal("0.8"))
        if i % 6 == 5 and amount(budget.get("total")):
            budget["current_year"] = yuan(amount(budget["total"]) * Decimal("1.1"))
        if i % 5 == 4:
            for indicator in project["indicators"]:
                target = indicator.get("target") or ""
                if target.endswith("%"):
                    indicator["target"] = target[:-1]
                    break
        if i % 7 == 6:
            project["start_date"], project["end_date"] = project["end_date"], project["start_date"]
        projects.append(project)
    return projects


def write_workbooks(sizes: list[int], directory: Path) -> dict[int, Path]:
    import xlgoals

    seed = json.loads(SEED.read_text(encoding="utf-8"))
    paths = {}
    for size in sizes:
        data = {**seed, "projects": make_projects(seed, size)}
        filing = xlgoals.Filing.model_validate(data)
        paths[size] = xlgoals.write_filing(filing, directory / f"filing-{size:03d}.xlsx")
    return paths


# --------------------------------------------------------------------------- timing

def best_of(fn: Callable[[], object], repeat: int, *, budget_s: float | None = None) -> tuple[float, int]:
    """The fastest of ``repeat`` calls in ms (after one warm-up call), and how many calls were timed.

    The garbage collector stays on (as in real use) but is emptied before each call, so one
    measurement does not pay for collecting another's garbage. With ``budget_s``, stops early
    once that much time has been spent timing (at least one call).
    """
    fn()  # warm-up: imports, caches, the OS page cache
    times: list[float] = []
    spent = 0.0
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
        times.append(elapsed)
        spent += elapsed
        if budget_s is not None and spent >= budget_s:
            break
    return min(times) * 1000, len(times)


def openpyxl_read(path: Path) -> None:
    """openpyxl's default (non read-only) load, touching every cell's value."""
    import openpyxl

    workbook = openpyxl.load_workbook(path)
    for ws in workbook.worksheets:
        for row in ws.iter_rows(values_only=True):
            for _value in row:
                pass
    workbook.close()


def xlgoals_read(path: Path) -> None:
    import xlgoals

    xlgoals.load_filing(path)


def xlgoals_validate(path: Path) -> str:
    import xlgoals.rules

    return xlgoals.rules.validate(path).to_json()


def checks(filing) -> str:
    import xlgoals.rules

    return xlgoals.rules.Report(xlgoals.rules.check_filing(filing)).to_json()


def contents(filing) -> list[tuple]:
    """Every indicator row's content; the engine judges a row that repeats (the standard block) once."""
    return [(row.level1, row.level2, row.level3, row.target.raw if row.target else None)
            for project in filing.projects for row in project.indicators]


def nothing_repeats(filing):
    """The filing with every level-3 name made unique (prefixed with its sheet's number): the checks' worst case."""
    unique = filing.model_copy(deep=True)
    for number, project in enumerate(unique.projects, 1):
        for row in project.indicators:
            if row.level3:
                row.level3 = f"{number}号{row.level3}"
    return unique


def in_process(paths: dict[int, Path], repeat: int) -> dict[int, dict[str, float]]:
    import xlgoals.rules

    results: dict[int, dict[str, float]] = {}
    for size, path in paths.items():
        row: dict[str, float] = {}
        row["floor"], _ = best_of(lambda: calamine_read(path), repeat)
        row["read"], _ = best_of(lambda: xlgoals_read(path), repeat)
        row["validate"], _ = best_of(lambda: xlgoals_validate(path), repeat)
        filing = xlgoals.load_filing(path)  # the checks alone, on a filing already read
        row["checks_direct"], _ = best_of(lambda: checks(filing), repeat)
        row["rows"], row["distinct"] = len(contents(filing)), len(set(contents(filing)))
        unique = nothing_repeats(filing)
        row["checks_unique"], _ = best_of(lambda: checks(unique), repeat)
        # last: it leaves the most garbage behind
        row["openpyxl"], row["openpyxl_n"] = best_of(lambda: openpyxl_read(path), repeat, budget_s=1.0)
        report = xlgoals.rules.validate(path)
        row["findings"], row["errors"], row["warnings"] = len(report.findings), report.errors, report.warnings
        row["kb"] = path.stat().st_size / 1024
        results[size] = row
    return results


def print_in_process(results: dict[int, dict[str, float]], repeat: int) -> None:
    print(f"In-process timings (time.perf_counter, best of {repeat} after one warm-up; ms)")
    header = (f"{'size':>5} {'KiB':>6} {'floor':>8} {'openpyxl':>9} {'read':>8} {'validate':>9} "
              f"{'checks':>8} {'val/floor':>9} {'checks/read':>11} {'checks*':>8} {'checks†':>8} {'rows':>11} "
              f"{'findings':>13}")
    print(header)
    print("-" * len(header))
    for size, r in results.items():
        checks = r["validate"] - r["read"]
        openpyxl_mark = "" if r["openpyxl_n"] >= repeat else "¹"
        print(f"{size:>5} {r['kb']:>6.0f} {r['floor']:>8.1f} {r['openpyxl']:>8.1f}{openpyxl_mark or ' '}"
              f"{r['read']:>8.1f} {r['validate']:>9.1f} {checks:>8.1f} {r['validate'] / r['floor']:>8.1f}x "
              f"{100 * checks / r['read']:>10.0f}% {r['checks_direct']:>8.1f} {r['checks_unique']:>8.1f} "
              f"{int(r['rows']):>5} ({int(r['distinct']):>3}) {int(r['findings']):>4} "
              f"({int(r['errors'])}E/{int(r['warnings'])}W)")
    print("  floor    = python-calamine: from_path + to_python(skip_empty_area=False) for every sheet")
    print("  openpyxl = openpyxl.load_workbook(p) (default mode) + every cell value"
          + ("; ¹ fewer runs (>1 s of timing spent)" if any(r["openpyxl_n"] < repeat for r in results.values())
             else ""))
    print("  read     = xlgoals.load_filing(p);  validate = xlgoals.rules.validate(p).to_json()")
    print("  checks   = validate - read;  checks/read = (validate - read) / read")
    print("  checks*  = check_filing + Report.to_json on a filing already read (measured directly)")
    print("  checks†  = the same with every level-3 name made unique, so no indicator row repeats (the worst case)")
    print("  rows     = indicator rows (distinct contents): the checks judge a repeated row once")


# --------------------------------------------------------------------------- start-up

def fresh(args: list[str], repeat: int, *, expect: tuple[int, ...] = (0,), cwd: Path) -> tuple[float, subprocess.CompletedProcess]:
    """Best wall time in ms of ``python ARGS`` in a fresh process (after one warm-up run)."""
    command = [sys.executable, *args]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    last = None
    times = []
    for n in range(repeat + 1):
        start = time.perf_counter()
        last = subprocess.run(command, capture_output=True, cwd=cwd, env=env)
        elapsed = time.perf_counter() - start
        if last.returncode not in expect:
            raise SystemExit(f"{' '.join(args)} exited {last.returncode}:\n{last.stderr.decode(errors='replace')}")
        if n:  # the first run only warms the caches
            times.append(elapsed)
    return min(times) * 1000, last


def start_up(paths: dict[int, Path], repeat: int, cwd: Path) -> dict[str, float]:
    results = {}
    results["bare"], _ = fresh(["-c", "pass"], repeat, cwd=cwd)
    results["import"], _ = fresh(["-c", "import xlgoals"], repeat, cwd=cwd)
    results["import_rules"], _ = fresh(["-c", "import xlgoals.rules"], repeat, cwd=cwd)
    results["import_cli"], _ = fresh(["-c", "import xlgoals.cli, xlgoals.rules"], repeat, cwd=cwd)
    if PROFILE_SIZE in paths:
        ms, done = fresh(["-m", "xlgoals", "validate", str(paths[PROFILE_SIZE]), "--format", "json"], repeat,
                         expect=(0, 1), cwd=cwd)
        report = json.loads(done.stdout.decode("utf-8"))
        results["cli"], results["cli_rc"], results["cli_findings"] = ms, done.returncode, len(report["findings"])
    return results


def print_start_up(results: dict[str, float], repeat: int) -> None:
    print(f"Start-up in fresh processes (subprocess wall time, best of {repeat} after one warm-up; ms)")
    bare = results["bare"]
    lines = [
        ("python -c pass", bare, "the interpreter alone"),
        ("python -c 'import xlgoals'", results["import"], None),
        ("python -c 'import xlgoals.rules'", results["import_rules"], None),
        ("python -c 'import xlgoals.cli, xlgoals.rules'", results["import_cli"],
         "what the CLI imports before validating"),
    ]
    if "cli" in results:
        lines.append((f"python -m xlgoals validate <{PROFILE_SIZE}> --format json", results["cli"],
                      f"exit {int(results['cli_rc'])}, {int(results['cli_findings'])} findings"))
    for label, ms, note in lines:
        extra = "" if ms is bare else f"+{ms - bare:.1f} over bare"
        extra = "; ".join(part for part in (extra, note) if part)
        print(f"  {label:<48} {ms:>7.1f}   ({extra})")


def import_times(cwd: Path, top: int = 10) -> None:
    """The heaviest imports of ``import xlgoals.rules``, by cumulative time (one run, warm caches)."""
    command = [sys.executable, "-X", "importtime", "-c", "import xlgoals.rules"]
    subprocess.run(command, capture_output=True, cwd=cwd)  # warm-up
    done = subprocess.run(command, capture_output=True, cwd=cwd, text=True)
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, name = line.removeprefix("import time:").split("|", 2)
        depth = (len(name) - len(name.lstrip())) // 2
        rows.append((int(cumulative_us), int(self_us), depth, name.strip()))
    rows.sort(reverse=True)
    print(f"python -X importtime -c 'import xlgoals.rules': top {top} by cumulative time "
          "(nested: a package's time includes its children; depth 1 = imported at top level)")
    print(f"  {'cumulative ms':>13} {'self ms':>8} {'depth':>5}  module")
    for cumulative_us, self_us, depth, name in rows[:top]:
        print(f"  {cumulative_us / 1000:>13.1f} {self_us / 1000:>8.1f} {depth:>5}  {name}")
    print(f"  ... and the top {top} by self time (the module's own body, children excluded):")
    for cumulative_us, self_us, depth, name in sorted(rows, key=lambda r: r[1], reverse=True)[:top]:
        print(f"  {cumulative_us / 1000:>13.1f} {self_us / 1000:>8.1f} {depth:>5}  {name}")


# --------------------------------------------------------------------------- profile

def profile(path: Path, top: int = 15) -> None:
    xlgoals_validate(path)  # warm-up, so imports are not profiled
    profiler = cProfile.Profile()
    gc.collect()
    profiler.enable()
    xlgoals_validate(path)
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    total = max(ct for (_cc, _nc, _tt, ct, _callers) in stats.values())
    for title, index in (("cumulative", 3), ("own (tottime)", 2)):
        rows = sorted(stats.items(), key=lambda item: item[1][index], reverse=True)[:top]
        print(f"cProfile of validate(<{PROFILE_SIZE} projects>).to_json(): top {top} by {title} time "
              f"(profiled total {total * 1000:.0f} ms; profiling inflates Python-heavy code)")
        print(f"  {'ncalls':>9} {'tottime ms':>10} {'cumtime ms':>10}  function")
        for (filename, line, name), (cc, nc, tt, ct, _callers) in rows:
            calls = str(nc) if cc == nc else f"{nc}/{cc}"
            print(f"  {calls:>9} {tt * 1000:>10.1f} {ct * 1000:>10.1f}  {where(filename, line, name)}")
        print()


# --------------------------------------------------------------------------- targets

def print_targets(results: dict[int, dict[str, float]], startup: dict[str, float]) -> None:
    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    print("Targets (from the issue)")
    row = results.get(PROFILE_SIZE)
    if row is not None:
        ms = row["validate"]
        print(f"  {PROFILE_SIZE}-project validate after start-up < {TARGET_VALIDATE_20_MS:.0f} ms: "
              f"{ms:.1f} ms in-process  -> {verdict(ms < TARGET_VALIDATE_20_MS)}")
        if "cli" in startup:
            after_interpreter = startup["cli"] - startup["bare"]
            print(f"      whole CLI run {startup['cli']:.1f} ms = interpreter {startup['bare']:.1f} ms "
                  f"+ {after_interpreter:.1f} ms of imports and work  -> "
                  f"{verdict(after_interpreter < TARGET_VALIDATE_20_MS)} if start-up means the interpreter only")
    else:
        print(f"  {PROFILE_SIZE}-project validate: not measured (add {PROFILE_SIZE} to --sizes)")
    for size, r in results.items():
        pct = 100 * (r["validate"] - r["read"]) / r["read"]
        print(f"  checks < {TARGET_CHECKS_PCT:.0f}% on top of reading, {size:>3} projects: "
              f"{pct:.0f}%  -> {verdict(pct < TARGET_CHECKS_PCT)}")
    print(f"  import xlgoals < {TARGET_IMPORT_MS:.0f} ms: {startup['import']:.1f} ms in a fresh process  "
          f"-> {verdict(startup['import'] < TARGET_IMPORT_MS)}")


# --------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5, 20, 100], metavar="N",
                        help="numbers of project sheets (default: 5 20 100)")
    parser.add_argument("--repeat", type=int, default=5, metavar="N", help="runs per figure, best taken (default 5)")
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile listing")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="write the workbooks into DIR (created if needed) and keep them")
    args = parser.parse_args(argv)
    if args.repeat < 1 or any(size < 1 for size in args.sizes):
        parser.error("--sizes and --repeat must be positive")

    import openpyxl
    import pydantic

    from importlib.metadata import version

    print(f"Python {sys.version.split()[0]} ({sys.executable}); python-calamine "
          f"{version('python-calamine')}, openpyxl {openpyxl.__version__}, "
          f"pydantic {pydantic.VERSION}; {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="xlgoals-bench-") as tmp:
        directory = Path(tmp)
        if args.keep is not None:
            directory = args.keep.resolve()
            directory.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        paths = write_workbooks(sorted(set(args.sizes)), directory)
        print(f"Wrote {len(paths)} workbooks into {directory} in {time.perf_counter() - start:.1f} s "
              f"(seed: {SEED.relative_to(ROOT)}, projects cycled)\n")

        results = in_process(paths, args.repeat)
        print_in_process(results, args.repeat)
        print()
        startup = start_up(paths, args.repeat, directory)
        print_start_up(startup, args.repeat)
        print()
        import_times(directory)
        print()
        print_targets(results, startup)
        print()
        if not args.no_profile and PROFILE_SIZE in paths:
            profile(paths[PROFILE_SIZE])


if __name__ == "__main__":
    main()
