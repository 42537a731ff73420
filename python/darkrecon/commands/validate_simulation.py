"""``darkrecon validate-simulation``: the fast simulation against the Belle II design figures."""

from __future__ import annotations

import argparse
import json

from darkrecon.cli import command


def _add(p: argparse.ArgumentParser) -> None:
    p.add_argument("-n", "--events", type=int, default=2000, help="particles per point (default 2000)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("-o", "--output", default="validation-simulation",
                   help="folder for the plots and the JSON summary")
    p.add_argument("--no-plots", action="store_true", help="print the figures only")
    p.add_argument("--json", action="store_true", help="also print the figures as JSON")


@command("validate-simulation", "Validate the fast simulation (residuals, ECL resolution, KLM).", _add)
def validate_simulation(args: argparse.Namespace) -> int:
    from darkrecon.simulation import validation

    figures = validation.validate(n=args.events, seed=args.seed)
    print(validation.report(figures))
    if args.json:
        print(json.dumps(validation.summary(figures), indent=2))
    if not args.no_plots:
        for f in validation.plot(figures, args.output):
            print(f"wrote {f}")
    return 0
