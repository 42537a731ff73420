"""Print the benchmark table: every darkrecon kernel against its baseline, in one run.

    python bench/run.py [--quick] [--only TOPIC ...] [--json FILE]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import Row  # noqa: E402


def _fmt_rate(rate: float | None) -> str:
    if rate is None:
        return "-"
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if rate >= scale:
            return f"{rate / scale:.2f}{suffix}"
    return f"{rate:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small inputs, for a smoke run")
    parser.add_argument("--only", nargs="*", help="topics to run (file names bench_<topic>.py)")
    parser.add_argument("--json", help="also write the rows as JSON to this file")
    args = parser.parse_args()

    topics = sorted(p.stem[len("bench_") :] for p in HERE.glob("bench_*.py"))
    if args.only:
        topics = [t for t in topics if t in args.only]
    rows: list[Row] = []
    for topic in topics:
        module = importlib.import_module(f"bench_{topic}")
        rows.extend(module.rows(args.quick))

    import darkrecon

    print(f"darkrecon {darkrecon.__version__} | Python {platform.python_version()} | "
          f"{os.cpu_count()} CPUs | {platform.machine()}")
    header = (f"{'topic':<11} {'kernel':<38} {'baseline':<34} {'unit':<9} "
              f"{'kernel/s':>9} {'base/s':>9} {'ratio':>8}")
    print(header)
    print("-" * len(header))
    for r in rows:
        ratio = "-" if r.ratio is None else f"{r.ratio:.1f}x"
        print(f"{r.topic:<11} {r.kernel:<38} {r.baseline:<34} {r.unit:<9} "
              f"{_fmt_rate(r.rate_kernel):>9} {_fmt_rate(r.rate_baseline):>9} {ratio:>8}"
              + (f"  {r.note}" if r.note else ""))
    if args.json:
        Path(args.json).write_text(json.dumps(
            [dict(r.__dict__, rate_kernel=r.rate_kernel, rate_baseline=r.rate_baseline, ratio=r.ratio)
             for r in rows], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
