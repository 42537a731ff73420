"""``darkrecon select``: channel selections and counting windows on reconstructed files.

    darkrecon select reco/*.parquet -o selected/ [--channel zprime] [--root candidates.root]

The inputs are the signal points and backgrounds of ``darkrecon reconstruct`` (a sample is
recognised by its process and parameters, as ``darkrecon run`` names it). For every channel
with a signal sample, at each luminosity, it writes the cut flows, the counting windows and the
spectra (read by ``darkrecon limits --selected``), and per sample the selected candidates as
Parquet, and with ``--root`` as one ROOT TTree per channel.
"""

from __future__ import annotations

import argparse

from darkrecon.cli import CommandError, command


def _add(p: argparse.ArgumentParser) -> None:
    p.add_argument("inputs", nargs="+", help="reconstructed events (Parquet from darkrecon reconstruct)")
    p.add_argument("-o", "--output", default="selected", help="output folder (default selected)")
    p.add_argument("--channel", action="append", choices=["zprime", "alp", "dark_photon"],
                   help="channel to select, repeatable (default: every channel with a signal sample)")
    p.add_argument("--luminosity", type=float, action="append",
                   help="luminosity in fb^-1, repeatable (default: the channel's luminosities)")
    p.add_argument("--seed", type=int, default=1,
                   help="seed of the pseudo-data (as darkrecon run; default 1)")
    p.add_argument("--root", help="also write the candidates as ROOT TTrees (one per channel) to this file")


@command("select", "Select channel candidates and count background in the signal windows.", _add)
def select(args: argparse.Namespace) -> int:
    from darkrecon.pipeline.chain import select_stage

    if any(lumi <= 0 for lumi in args.luminosity or ()):
        raise CommandError("--luminosity must be positive")
    if args.seed < 0:
        raise CommandError(f"--seed must be >= 0, got {args.seed}")
    try:
        results = select_stage(args.inputs, args.output, names=args.channel, luminosities=args.luminosity,
                               seed=args.seed, root=args.root)
    except (ValueError, ImportError) as err:  # ImportError: --root without uproot (names the extra)
        raise CommandError(str(err)) from None
    print(f"darkrecon select: {len(args.inputs)} samples; written to {args.output}"
          + (f" and {args.root}" if args.root else ""))
    print(f"{'channel':<12} {'L [fb^-1]':>9} {'mass':>6} {'eff':>6} {'sigma_m':>8} {'bkg':>9} {'n_obs':>6}")
    for r in results:
        for i, m in enumerate(r.mass):
            print(f"{r.channel:<12} {r.luminosity_fb:9.3g} {m:6.2f} {r.efficiency[i]:6.3f} "
                  f"{r.resolution[i]:8.4f} {r.bkg[i]:9.3g} {r.n_obs[i]:6d}")
    return 0
