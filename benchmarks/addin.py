"""Benchmark: what a press of the ribbon's buttons costs, with and without a Python kept running.

Run from the repository root::

    .venv/bin/python benchmarks/addin.py [--projects 20] [--workbooks 20] [--repeat 5]

There is no Excel here, so the buttons' entry points run against the in-memory xlwings stand-in
of ``tests/support/xlwings_standin.py``. It measures what decides the add-in's ``USE UDF SERVER``
setting (xlwings' COM server on Windows: one Python kept running between presses, which keeps the
old code after an upgrade until Excel restarts) and how the 汇总各部门表格 button reads:

* ``start-up``: fresh interpreters, best and median of R: ``python -c pass``, ``import xlwings``
  (RunPython imports it first), ``import xlgoals.excel``;
* ``cold``: one press in a fresh interpreter, as every press is without the server (the first
  press is with it): 校验 on a P-project workbook, 汇总各部门表格 on W departmental workbooks (10
  project sheets each, ``benchmarks/merge.py``'s), split into start-up and the work;
* ``warm``: the same presses repeated in one interpreter, as later presses are with the server;
  for the merge also the interpreter's resident memory after it (what a server keeps);
* ``readers``: reading and checking the W workbooks (``merge()``) with one process, and with two
  worker processes started by ``spawn``, Windows' only start method (each imports xlgoals anew).

The stand-in's own loading of a workbook (openpyxl; Excel has it open already) and its opening of
the merged result (Excel's work, not Python's) are left out. A script, not a test: it asserts
nothing and writes only into a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

_CHILD = r"""
import json, sys, time
start = time.perf_counter()
from xlgoals import excel
imported = time.perf_counter()
sys.path.insert(0, {root!r})
from tests.support import xlwings_standin as standin
standin.Books.open = lambda self, fullname=None, **_: None  # Excel opens the result, not the button
figures = {{"import": imported - start, "validate": [], "merge": []}}
for n in range({presses}):
    book = standin.Book.from_file({workbook!r})
    began = time.perf_counter()
    report = excel.validate(book)
    figures["validate"].append(time.perf_counter() - began)
    figures["findings"], figures["round_trips"] = len(report.findings), book.round_trips()
    began = time.perf_counter()
    excel.merge_folder({folder!r}, {out!r} + f"-{{n}}.xlsx", book=book)
    figures["merge"].append(time.perf_counter() - began)
    assert not [a for a in book.app.alerts if "意外错误" in a[0]], book.app.alerts
with open("/proc/self/status") as status:
    figures["rss"] = next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024
print(json.dumps(figures))
"""

_READERS = r"""
import json, multiprocessing, sys, time
multiprocessing.set_start_method("spawn", force=True)
from xlgoals.merge import merge
began = time.perf_counter()
merge([{folder!r}], jobs={jobs})
print(json.dumps(time.perf_counter() - began))
"""


def fresh(code: str) -> tuple[float, str]:
    began = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return time.perf_counter() - began, result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def make_inputs(projects: int, workbooks: int, directory: Path) -> tuple[Path, Path]:
    from merge import make_department

    from xlgoals import Filing, write_filing

    data = json.loads((ROOT / "examples" / "shanghai-2020.json").read_text(encoding="utf-8"))
    seeds = data["projects"]
    data["projects"] = [dict(seeds[n % len(seeds)], name=f"{seeds[n % len(seeds)]['name']}{n // len(seeds) or ''}")
                        for n in range(projects)]
    workbook = write_filing(Filing.model_validate(data), directory / f"{projects}-projects.xlsx")
    folder = directory / "各部门"
    folder.mkdir()
    for i in range(workbooks):
        write_filing(Filing.model_validate(make_department(i)), folder / f"{i:03d}.xlsx")
    return workbook, folder


def line(label: str, values: list[float], unit: str = "s") -> str:
    """A row of the table; CJK characters take two columns."""
    width = len(label) + sum(1 for char in label if ord(char) > 0x2E80)
    return f"  {label}{' ' * max(1, 40 - width)}{statistics.median(values):8.3f}{min(values):8.3f}{max(values):8.3f}  {unit}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=20)
    parser.add_argument("--workbooks", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        workbook, folder = make_inputs(args.projects, args.workbooks, Path(scratch))
        out = str(Path(scratch) / "汇总")
        startup = {label: [fresh(code)[0] for _ in range(args.repeat)] for label, code in (
            ("python -c pass", "pass"), ("import xlwings", "import xlwings"),
            ("import xlgoals.excel", "import xlgoals.excel"),
            ("import xlwings, xlgoals.excel, merge", "import xlwings, xlgoals.excel, xlgoals.merge, xlgoals.workbook.summary"))}
        child = _CHILD.format(root=str(ROOT), workbook=str(workbook), folder=str(folder), out=out, presses=1)
        cold = [json.loads(fresh(child)[1]) for _ in range(args.repeat)]
        warm = json.loads(fresh(_CHILD.format(root=str(ROOT), workbook=str(workbook), folder=str(folder), out=out,
                                              presses=args.repeat + 1))[1])
        readers = {jobs: [json.loads(fresh(_READERS.format(folder=str(folder), jobs=jobs))[1]) for _ in range(args.repeat)]
                   for jobs in (1, 2)}
    print(f"The ribbon's buttons through the xlwings stand-in (Python {sys.version.split()[0]}, {args.repeat} runs; "
          f"校验 on {args.projects} projects, 汇总 of {args.workbooks} workbooks × 10 project sheets)")
    print(f"  {'':40}{'median':>8}{'best':>8}{'worst':>8}")
    print("start-up of a fresh interpreter")
    for label, values in startup.items():
        print(line(label, values))
    print("cold press (fresh interpreter: every press without USE UDF SERVER)")
    print(line("import xlgoals.excel", [run["import"] for run in cold]))
    print(line("校验 (validate)", [run["validate"][0] for run in cold]))
    print(line("汇总各部门表格 (merge_folder)", [run["merge"][0] for run in cold]))
    print(f"  校验: {cold[0]['findings']} findings, {cold[0]['round_trips']} calls that would cross to Excel")
    print("warm press (Python kept running: later presses with USE UDF SERVER)")
    print(line("校验 (validate)", warm["validate"][1:]))
    print(line("汇总各部门表格 (merge_folder)", warm["merge"][1:]))
    print(f"  resident memory after {len(warm['merge'])} merges: {warm['rss']:.0f} MiB")
    print(f"reading and checking the {args.workbooks} workbooks (merge(), spawned workers as on Windows)")
    print(line("one process (the button)", readers[1]))
    print(line("two spawned workers (the CLI's way)", readers[2]))


if __name__ == "__main__":
    main()
