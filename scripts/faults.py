"""Run every fault case of issue 16 and print the figures the README quotes.

    python scripts/faults.py            # as root: real tmpfs and read-only mounts, setpriv; else injected errors
    XLGOALS_FAULTS=inject python scripts/faults.py   # the fallback everywhere (an OSError at the write call)

Each case (tests/support/faults.py, the same the tests assert) runs a command under a fault and is
judged against the contract: exit code, one Chinese line naming the file, no traceback, no
leftover, inputs unchanged, outputs all or nothing. Prints one row per case, then the totals:
cases, tracebacks, leftovers, data lost (inputs changed, outputs half-published or destroyed,
rows missing from the archive). Exit code 1 if any case broke the contract.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.faults import CASES, Lab, describe, run_case  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run only the cases whose name contains this text")
    options = parser.parse_args()
    cases = [case for case in CASES if options.only is None or options.only in case.name]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="xlgoals-faults-") as root:
        lab = Lab(Path(root))
        how = ("injected OSError" if not lab.mounts else "tmpfs and read-only mounts") + ", " + (
            "mode 555 injected" if lab.inject or lab.drop_rights is None else
            "mode 555 via setpriv" if lab.drop_rights else "mode 555 as this user")
        print(f"faults: {how}")
        results = []
        for case in cases:
            began = time.monotonic()
            result = run_case(case, lab)
            results.append(result)
            verdict = "ok" if result else "FAILED"
            print(f"{verdict:6} {time.monotonic() - began:5.1f} s  {case.point:2}  {case.name}", flush=True)
            if not result:
                print(describe(result))
    tracebacks = sum(result.tracebacks for result in results)
    leftovers = sum(len(result.leftovers) for result in results)
    lost = sum(len(result.lost) for result in results)
    broken = sum(not result for result in results)
    print(f"\ncases {len(results)}, tracebacks {tracebacks}, leftovers {leftovers}, data lost {lost}, "
          f"other problems {sum(len(result.problems) for result in results) - tracebacks}, "
          f"cases failing {broken}; {time.monotonic() - started:.0f} s")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
