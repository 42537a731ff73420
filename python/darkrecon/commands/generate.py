"""``darkrecon generate``: generate events of a process and write them to Parquet."""

from __future__ import annotations

import argparse
import time

from darkrecon.beam import Beam
from darkrecon.cli import CommandError, command


def _add(p: argparse.ArgumentParser) -> None:
    p.add_argument("process", nargs="?", help="process name (see --list)")
    p.add_argument("-n", "--events", type=int, default=10_000, help="number of events (default 10000)")
    p.add_argument("--beam", default="Y4S", help="beam preset (default Y4S)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: drawn and recorded)")
    p.add_argument("--energy-spread", action="store_true", help="per-event beam energies from the spread")
    p.add_argument(
        "-p", "--param", action="append", default=[], metavar="NAME=VALUE",
        help="process parameter, repeatable (e.g. -p mass=2.0 -p g_prime=0.01)",
    )
    p.add_argument("-o", "--output", help="output Parquet file (default PROCESS.parquet)")
    p.add_argument("--list", action="store_true", help="list the processes, parameters and cross sections")


def _parse_value(text: str):
    low = text.lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    try:
        return float(text)
    except ValueError:
        return text


def _list(beam: Beam) -> None:
    from darkrecon import generators

    print(f"processes at {beam.name} (sqrt(s) = {beam.sqrt_s:.4f} GeV), cross sections with the defaults:")
    for p in generators.processes():
        sigma, err = generators.cross_section(p["name"], beam)
        print(f"\n{p['name']:<24} sigma = {sigma:.6g} +- {err:.2g} fb   [{p['final_state']}]")
        print(f"  {p['description']}")
        for name, q in p["parameters"].items():
            unit = f" {q['unit']}" if q["unit"] else ""
            print(f"    {name:<14} = {q['default']!s:<10}{unit:<8} {q['description']}")


@command("generate", "Generate events of a signal or background process (Parquet output).", _add)
def generate(args: argparse.Namespace) -> int:
    from darkrecon import generators

    try:
        beam = Beam.preset(args.beam)
    except ValueError as err:
        raise CommandError(str(err)) from None
    if args.list:
        _list(beam)
        return 0
    if not args.process:
        raise CommandError("give a process name (or --list)")
    params = {}
    for item in args.param:
        if "=" not in item:
            raise CommandError(f"--param expects NAME=VALUE, got {item!r}")
        name, value = item.split("=", 1)
        params[name.strip()] = _parse_value(value.strip())
    t0 = time.perf_counter()
    try:
        sample = generators.generate(
            args.process, args.events, beam=beam, seed=args.seed,
            energy_spread=args.energy_spread, **params,
        )
    except (ValueError, TypeError) as err:
        raise CommandError(str(err)) from None
    dt = time.perf_counter() - t0
    out = sample.to_parquet(args.output or f"{args.process}.parquet")
    print(f"{sample!r}")
    print(f"{len(sample)} events in {dt:.2f} s ({len(sample) / max(dt, 1e-9):.0f} events/s), "
          f"written to {out}")
    return 0
