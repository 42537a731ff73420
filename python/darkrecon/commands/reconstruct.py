"""``darkrecon reconstruct``: simulated events (Parquet from ``simulate``) -> tracks, clusters, PID."""

from __future__ import annotations

import argparse
import time

from darkrecon.cli import command, derived_output, file_stage


def _add(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", help="simulated events (Parquet written by darkrecon simulate)")
    p.add_argument("-o", "--output", help="output Parquet file (default INPUT-reco.parquet)")
    p.add_argument("--threads", type=int, default=0, help="threads (default 0: all cores)")


@command("reconstruct", "Reconstruct simulated events: tracks, clusters, matching, PID (Parquet).", _add)
def reconstruct(args: argparse.Namespace) -> int:
    from darkrecon.reconstruction import reconstruct as reco_fn
    from darkrecon.simulation import SimulatedEvents

    out = derived_output(args.input, args.output, "-reco", strip="-sim")
    t0 = time.perf_counter()
    _, reco = file_stage("reconstruct", args.input, lambda: SimulatedEvents.from_parquet(args.input),
                         lambda sim: reco_fn(sim, n_threads=args.threads), lambda r: r.to_parquet(out))
    dt = time.perf_counter() - t0
    n_tracks = int(reco.event["n_tracks"].sum())
    print(f"darkrecon reconstruct: {len(reco)} {reco.process} events, {n_tracks} tracks, {dt:.1f} s; "
          f"written to {out}")
    return 0
