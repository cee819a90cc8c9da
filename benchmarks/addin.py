"""Benchmark: how long the 校验 button takes, from a fresh Python process, on a 20-project workbook.

Run from the repository root::

    .venv/bin/python benchmarks/addin.py [--projects 20] [--repeat 5]

There is no Excel here, so the button's entry point (``xlgoals.excel.validate``) runs against the
in-memory xlwings stand-in of ``tests/support/xlwings_standin.py``. Each run starts a new
interpreter (as a first press, or every press without xlwings' COM server, would) and reports:

* ``start-up``: interpreter start and ``import xlgoals.excel`` (with xlwings and the rules);
* ``validate``: reading every sheet through the stand-in, checking, writing marks, notes and the
  校验结果 sheet (the work of one press once Python is running);
* ``total``: the child's wall-clock time minus the time the stand-in spends loading the file with
  openpyxl (Excel has the workbook open already; that load is not the button's cost).

The issue's target: under 1.5 s. With xlwings' COM server (``USE UDF SERVER`` in the add-in's
xlwings.conf sheet, Windows) Python stays running between presses, so later presses cost only
``validate``. A script, not a test: it asserts nothing and writes only into a temporary directory.
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
TARGET_SECONDS = 1.5

_CHILD = r"""
import json, sys, time
start = time.perf_counter()
from xlgoals import excel
imported = time.perf_counter()
sys.path.insert(0, {root!r})
from tests.support.xlwings_standin import Book
book = Book.from_file({path!r})
loaded = time.perf_counter()
report = excel.validate(book)
done = time.perf_counter()
print(json.dumps({{"import": imported - start, "load": loaded - imported, "validate": done - loaded,
                   "findings": len(report.findings), "round_trips": book.round_trips()}}))
"""


def make_workbook(projects: int, directory: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    from xlgoals import Filing, write_filing

    data = json.loads((ROOT / "examples" / "shanghai-2020.json").read_text(encoding="utf-8"))
    seeds = data["projects"]
    data["projects"] = [dict(seeds[n % len(seeds)], name=f"{seeds[n % len(seeds)]['name']}{n // len(seeds) or ''}")
                        for n in range(projects)]
    return write_filing(Filing.model_validate(data), directory / f"{projects}-projects.xlsx")


def run_once(path: Path) -> dict[str, float]:
    code = _CHILD.format(root=str(ROOT), path=str(path))
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["wall"] = wall
    figures["total"] = wall - figures["load"]
    figures["startup"] = figures["total"] - figures["validate"]
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        path = make_workbook(args.projects, Path(directory))
        runs = [run_once(path) for _ in range(args.repeat)]
    print(f"校验 button on a {args.projects}-project workbook through the xlwings stand-in, "
          f"{args.repeat} fresh processes (Python {sys.version.split()[0]})")
    print(f"{'':10}{'median':>9}{'best':>9}{'worst':>9}")
    for key, label in (("startup", "start-up"), ("validate", "validate"), ("total", "total")):
        values = [run[key] for run in runs]
        print(f"{label:10}{statistics.median(values):9.3f}{min(values):9.3f}{max(values):9.3f}  s")
    print(f"  of which import xlgoals.excel: median {statistics.median(r['import'] for r in runs):.3f} s; "
          f"findings {runs[0]['findings']}, round trips to the workbook {runs[0]['round_trips']}")
    total = statistics.median(run["total"] for run in runs)
    verdict = "ok" if total < TARGET_SECONDS else "MISSED"
    print(f"Target: fresh process start-up + read + check + marks < {TARGET_SECONDS} s: median {total:.2f} s -> {verdict}")
    print("With the COM server (USE UDF SERVER) a later press costs only the validate line.")


if __name__ == "__main__":
    main()
