"""``darkrecon validate-limits``: the ALP chain's expected 95% CL cross-section limits, with the
e+e- -> gamma gamma gamma background simulated at the data luminosity, against the published
Belle II limits (PRL 125, 161806 (2020))."""

from __future__ import annotations

import argparse

from darkrecon.cli import CommandError, command, report_validation


def _masses(text: str) -> tuple[float, ...]:
    return tuple(float(x) for x in text.split(",") if x.strip())


def _add(p: argparse.ArgumentParser) -> None:
    p.add_argument("--channel", default="alp", choices=["alp"], help="only the ALP channel so far")
    p.add_argument("--masses", type=_masses, default=None,
                   help="comma-separated ALP masses in GeV (default 0.2,0.5,1,2,4,6,8,9.7)")
    p.add_argument("--fraction", type=float, default=1.0,
                   help="simulated gamma gamma gamma events / those expected at the luminosity (default 1)")
    p.add_argument("--luminosity", type=float, default=0.445, help="fb^-1 (default 0.445, as the paper)")
    p.add_argument("-n", "--signal-events", type=int, default=2000,
                   help="signal events per mass (default 2000)")
    p.add_argument("--other-events", type=int, default=100_000,
                   help="events of each other background, gamma gamma and Bhabha (default 100000; 0 skips)")
    p.add_argument("--cl", type=float, default=0.95)
    p.add_argument("--method", default="cls", choices=["cls", "bayes", "asymptotic"])
    p.add_argument("--factor", type=float, default=2.0,
                   help="exit 1 if ours / published is outside this factor either way (default 2)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--beam", default="Y4S")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", action="store_true", help="print the points as JSON instead of tables")


@command("validate-limits",
         "ALP expected 95% CL limits from a full gamma gamma gamma simulation vs the published "
         "Belle II limits.",
         _add)
def validate_limits(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from darkrecon.select import alp_limits

    kwargs = {} if args.masses is None else {"masses": args.masses}
    try:
        alp_limits.check_arguments(luminosity_fb=args.luminosity, background_fraction=args.fraction,
                                   n_signal=args.signal_events, other_events=args.other_events,
                                   beam=args.beam, **kwargs)
    except ValueError as err:  # bad input: one clear line before any simulation
        raise CommandError(str(err)) from err
    result = alp_limits.validate(luminosity_fb=args.luminosity, background_fraction=args.fraction,
                                 n_signal=args.signal_events, other_events=args.other_events, cl=args.cl,
                                 method=args.method, beam=args.beam, seed=args.seed, n_threads=args.threads,
                                 **kwargs)
    return report_validation(asdict(result) if args.json else None, alp_limits.table(result),
                             alp_limits.failures(result, factor=args.factor))
