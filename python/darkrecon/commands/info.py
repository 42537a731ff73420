"""``darkrecon info``: beams, detector geometry, processes and their cross sections."""

from __future__ import annotations

import argparse

from darkrecon.beam import Beam
from darkrecon.cli import CommandError, command


def _add(p: argparse.ArgumentParser) -> None:
    p.add_argument("what", nargs="?", default="beams", choices=["beams", "geometry", "processes"],
                   help="what to list (default: beams)")
    p.add_argument("--beam", default="Y4S", help="beam preset for the cross sections (default Y4S)")


def _beams() -> None:
    print(f"{'preset':<11} {'E_HER':>7} {'E_LER':>7} {'sqrt(s)':>9} {'beta_z':>8} {'beta_x':>8}")
    for name in Beam.presets():
        b = Beam.preset(name)
        bx, _, bz = b.boost_vector
        print(f"{name:<11} {b.e_her:7.3f} {b.e_ler:7.3f} {b.sqrt_s:9.4f} {bz:8.4f} {bx:8.4f}")


def _geometry() -> None:
    from darkrecon import cdc, ecl

    c, e = cdc.Geometry.belle2(), ecl.Geometry.belle2()
    print(f"CDC: {c!r}")
    print(f"ECL: {e!r}")


def _processes(beam_name: str) -> None:
    from darkrecon import generators

    try:
        beam = Beam.preset(beam_name)
    except ValueError as err:
        raise CommandError(str(err)) from None
    print(f"cross sections at {beam_name} (sqrt(s) = {beam.sqrt_s:.4f} GeV), default parameters")
    print(f"{'process':<24} {'sigma [fb]':>14} {'+-':>10}  parameters")
    for p in generators.processes():
        sigma, err = generators.cross_section(p["name"], beam)
        params = ", ".join(f"{k}={v['default']}" for k, v in p["parameters"].items())
        print(f"{p['name']:<24} {sigma:14.5g} {err:10.2g}  {params}")


@command("info", "List beams, the detector geometry, or the processes with cross sections.", _add)
def info(args: argparse.Namespace) -> int:
    {"beams": _beams, "geometry": _geometry, "processes": lambda: _processes(args.beam)}[args.what]()
    return 0
