"""``darkrecon info``: beams and what the package knows."""

from __future__ import annotations

import argparse

from darkrecon.beam import Beam
from darkrecon.cli import command


def _add(p: argparse.ArgumentParser) -> None:
    p.add_argument("what", nargs="?", default="beams", choices=["beams"], help="what to list")


@command("info", "List beams (and, as they land, geometry and processes).", _add)
def info(args: argparse.Namespace) -> int:
    print(f"{'preset':<11} {'E_HER':>7} {'E_LER':>7} {'sqrt(s)':>9} {'beta_z':>8} {'beta_x':>8}")
    for name in Beam.presets():
        b = Beam.preset(name)
        bx, _, bz = b.boost_vector
        print(f"{name:<11} {b.e_her:7.3f} {b.e_ler:7.3f} {b.sqrt_s:9.4f} {bz:8.4f} {bx:8.4f}")
    return 0
