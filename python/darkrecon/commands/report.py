"""``darkrecon report``: the report folder from the outputs of ``select`` and ``limits``.

    darkrecon report selected/ limits/ -o report/
"""

from __future__ import annotations

import argparse

from darkrecon.cli import command


def _add(p: argparse.ArgumentParser) -> None:
    p.add_argument("selected", help="folder written by darkrecon select")
    p.add_argument("limits", help="folder written by darkrecon limits --selected")
    p.add_argument("-o", "--output", default="darkrecon-report", help="report folder")


@command("report", "Write the report folder (plots, tables, limits, workspaces, HTML index).", _add)
def report(args: argparse.Namespace) -> int:
    from darkrecon.pipeline.chain import report_stage

    index = report_stage(args.selected, args.limits, args.output,
                         summary=f"darkrecon report of {args.selected} and {args.limits}")
    print(f"darkrecon report: {index}")
    return 0
