"""`python -m tests.faults`: run the fault harness on SQLite, PostgreSQL or both."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from tests.faults.harness import Plan, run
from tests.support.pg import throwaway_postgres


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sqlite", type=int, default=10_000, help="visits on SQLite (0: skip)")
    parser.add_argument("--postgres", type=int, default=2_000, help="visits on PostgreSQL")
    parser.add_argument("--fault-rate", type=float, default=0.3)
    parser.add_argument("--kill-every", type=float, default=4.0, help="seconds; 0: never")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    passed = True
    for database, visits in (("sqlite", args.sqlite), ("postgresql", args.postgres)):
        if not visits:
            continue
        plan = Plan(visits, args.fault_rate, args.kill_every, args.seed)
        with tempfile.TemporaryDirectory(prefix="fieldvisit-faults-") as workdir:
            if database == "sqlite":
                report = run(Path(workdir), None, plan)
            else:
                with throwaway_postgres() as url:
                    report = run(Path(workdir), url, plan)
        print(report.table(), end="\n\n", flush=True)
        passed = passed and report.passed
    print("fault harness:", "0 lost, 0 duplicated, 0 corrupted" if passed else "FAILED")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
