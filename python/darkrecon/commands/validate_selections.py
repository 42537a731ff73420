"""``darkrecon validate-selections``: signal resolution and efficiency of the Z' and ALP
selections vs the published Belle II values, side by side."""

from __future__ import annotations

import argparse

from darkrecon.cli import CommandError, command, report_validation


def _masses(text: str) -> tuple[float, ...]:
    return tuple(float(x) for x in text.split(",") if x.strip())


def _add(p: argparse.ArgumentParser) -> None:
    p.add_argument("-n", "--events", type=int, default=2000,
                   help="signal events per mass point (default 2000)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--beam", default="Y4S", help="beam preset (default Y4S)")
    p.add_argument("--channels", default="zprime_invisible,alp_gammagamma",
                   help="comma-separated channels (default: both)")
    p.add_argument("--zprime-masses", type=_masses, default=None, help="e.g. 1,2,3,5,8")
    p.add_argument("--alp-masses", type=_masses, default=None, help="e.g. 0.2,1,4,9.7")
    p.add_argument("--factor", type=float, default=1.5,
                   help="allowed resolution ratio ours/published, either way (default 1.5)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", action="store_true", help="print the points as JSON instead of a table")
    p.add_argument("--lost-pair", action="store_true",
                   help="instead: the dark-photon lost-e+e- p_T* cut on signal vs mass and on Bhabha")


@command("validate-selections",
         "Z' and ALP signal resolution and efficiency vs mass, against the published values.", _add)
def validate_selections(args: argparse.Namespace) -> int:
    from darkrecon.select import validation

    if args.lost_pair:
        rows = validation.lost_pair_cut(n_signal=args.events, beam=args.beam, seed=args.seed,
                                        n_threads=args.threads)
        print(validation.lost_pair_table(rows))
        return 0
    masses = {}
    if args.zprime_masses:
        masses["zprime_invisible"] = args.zprime_masses
    if args.alp_masses:
        masses["alp_gammagamma"] = args.alp_masses
    channels = [c.strip() for c in args.channels.split(",") if c.strip()]
    try:  # bad channels and masses: one line, before any simulation
        validation.check_arguments(channels, masses, args.beam)
    except (ValueError, KeyError) as err:
        raise CommandError(str(err)) from None
    points = validation.validate(channels, masses, args.events, beam=args.beam, seed=args.seed,
                                 n_threads=args.threads)
    rows = [{"channel": p.channel, "mass": p.mass, "variable": p.variable, "sigma": p.sigma,
             "published_sigma": p.published_sigma, "efficiency": p.efficiency,
             "efficiency_error": p.efficiency_error, "published_efficiency": p.published_efficiency,
             "n_selected": p.n_selected, "n_generated": p.n_generated} for p in points]
    return report_validation(rows if args.json else None, validation.table(points),
                             validation.failures(points, factor=args.factor))
