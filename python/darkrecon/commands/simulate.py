"""``darkrecon simulate``: generated events (Parquet from ``generate``) -> detector response."""

from __future__ import annotations

import argparse
import time

from darkrecon.cli import CommandError, command, derived_output, file_stage


def _add(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", help="generated events (Parquet written by darkrecon generate)")
    p.add_argument("-o", "--output", help="output Parquet file (default INPUT-sim.parquet)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: drawn and recorded)")
    p.add_argument("--background-scale", type=float, default=1.0,
                   help="beam-background rate factor (default 1; 0 switches it off)")
    p.add_argument("--threads", type=int, default=0, help="threads (default 0: all cores)")


@command("simulate", "Simulate the detector response to generated events (Parquet in, Parquet out).", _add)
def simulate(args: argparse.Namespace) -> int:
    import numpy as np

    import darkrecon as dr
    from darkrecon.generators import Sample

    if args.seed is not None and args.seed < 0:
        raise CommandError(f"--seed must be >= 0, got {args.seed}")
    if args.background_scale < 0:
        raise CommandError(f"--background-scale must be >= 0, got {args.background_scale}")
    out = derived_output(args.input, args.output, "-sim")
    seed = args.seed if args.seed is not None else int(np.random.SeedSequence().generate_state(1)[0])
    t0 = time.perf_counter()
    sample, sim = file_stage(
        "simulate", args.input, lambda: Sample.from_parquet(args.input),
        lambda s: dr.simulate(s, seed=seed, background=args.background_scale, n_threads=args.threads),
        lambda sim: sim.to_parquet(out))
    dt = time.perf_counter() - t0
    print(f"darkrecon simulate: {len(sim)} {sample.process} events, seed {seed}, "
          f"{dt:.1f} s; written to {out}")
    return 0

