"""``darkrecon limits``: upper limits from counts on the command line or a CSV of mass points.

    darkrecon limits --n-obs 3 --bkg 1.2 --bkg-unc 0.3              # one counting experiment
    darkrecon limits --csv points.csv --luminosity 100 -o limits/  # a mass scan
    darkrecon limits --selected selected/ -o limits/               # the chain, after select

The CSV needs the columns ``mass, n_obs, bkg`` and may have ``bkg_unc``, ``efficiency`` (default
1) and, for ``--channel zprime``, ``sigma_unit_fb`` (sigma(e+e- -> mu mu Z') at g' = 1). The
table (observed and expected cross-section limits, local significance, coupling limits with
``--channel``) is printed and written as ``limits.csv`` and ``limits.json`` in ``--output``.
A ``window_width`` column (full window widths, GeV) sets the trials factor per point.

``--selected`` scans the counting windows that ``darkrecon select`` wrote, every channel and
luminosity in the folder, and writes ``<channel>-L<lumi>.json`` (scan and coupling limits) to
``--output`` for ``darkrecon report``.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from darkrecon.cli import CommandError, command


def _add(p: argparse.ArgumentParser) -> None:
    src = p.add_argument_group("input (one of)")
    src.add_argument("--n-obs", type=float, help="observed events (single counting experiment)")
    src.add_argument("--csv", help="CSV of mass points: mass,n_obs,bkg[,bkg_unc,efficiency,...]")
    src.add_argument("--selected", help="folder written by darkrecon select (every channel in it)")
    p.add_argument("--bkg", type=float, help="expected background (with --n-obs)")
    p.add_argument("--bkg-unc", type=float, default=0.0, help="background uncertainty (absolute)")
    p.add_argument("--efficiency", type=float, default=1.0, help="signal efficiency (with --n-obs)")
    p.add_argument("--luminosity", type=float, default=1.0,
                   help="integrated luminosity in fb^-1 (cross sections in fb); default 1")
    p.add_argument("--cl", type=float, default=0.90, help="confidence level (default 0.90)")
    p.add_argument("--method", default="cls", choices=["cls", "bayes", "fc", "asymptotic"],
                   help="limit method (default cls: exact-Poisson CLs)")
    p.add_argument("--prior", default=None, choices=["gauss", "lognormal", "gamma"],
                   help="background prior for cls/bayes with an uncertainty (default: gauss; gamma, "
                        "the simulation-statistics model, with --selected as in darkrecon run)")
    p.add_argument("--fc-raw", action="store_true",
                   help="Feldman-Cousins without the Table IV no-rise step (much faster scans)")
    p.add_argument("--no-expected", action="store_true", help="skip the expected bands")
    p.add_argument("--window-width", type=float,
                   help="counting-window width in GeV for the trials factor (default: spacing)")
    p.add_argument("--channel", choices=["alp", "dark_photon", "zprime"],
                   help="also convert the cross-section limits to coupling limits")
    p.add_argument("--sqrt-s", type=float, default=None,
                   help="CMS energy in GeV for --channel alp/dark_photon (default: Y4S beam)")
    p.add_argument("--cos-theta-max", type=float, default=0.95,
                   help="photon |cos theta*| acceptance for --channel dark_photon")
    p.add_argument("--output", "-o", help="folder for limits.csv and limits.json")


def _read_csv(path: str) -> dict[str, np.ndarray]:
    p = Path(path)
    if not p.is_file():
        raise CommandError(f"no such CSV file: {path}")
    with p.open(newline="") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.lstrip().startswith("#")))
    if not rows:
        raise CommandError(f"{path}: no data rows")
    missing = {"mass", "n_obs", "bkg"} - set(rows[0])
    if missing:
        raise CommandError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    try:
        return {k.strip(): np.array([float(r[k]) for r in rows]) for k in rows[0]}
    except (TypeError, ValueError) as err:
        raise CommandError(f"{path}: non-numeric value ({err})") from None


def _couplings(args, mass, xsec, cols) -> np.ndarray | None:
    from darkrecon import physics
    from darkrecon.beam import Beam

    sqrt_s = args.sqrt_s if args.sqrt_s is not None else Beam.preset("Y4S").sqrt_s
    if args.channel == "alp":
        return physics.alp_coupling_limit(xsec, mass, sqrt_s)
    if args.channel == "dark_photon":
        return physics.dark_photon_coupling_limit(xsec, mass, sqrt_s, args.cos_theta_max)
    if "sigma_unit_fb" not in cols:
        raise CommandError("--channel zprime needs a sigma_unit_fb column (sigma at g' = 1)")
    return physics.zprime_coupling_limit(xsec, mass, cols["sigma_unit_fb"])


def _method_kwargs(args: argparse.Namespace) -> dict:
    if args.method in ("cls", "bayes"):
        default = "gamma" if getattr(args, "selected", None) is not None else "gauss"
        return {"prior": args.prior or default}
    if args.method == "fc":
        return {"no_rise": not args.fc_raw}
    return {}


def _short(key: str) -> str:
    """Column title of the printed table."""
    key = key.replace("expected_xsec_fb_", "exp_").replace("limit_xsec_fb", "limit_xsec")
    key = key.replace("_coupling_limit_expected", "_g_exp").replace("_coupling_limit", "_g_lim")
    return key.replace("dark_photon", "ap").replace("zprime", "zp")[:11]


@command("limits", "Upper limits (CLs, Bayesian, Feldman-Cousins, asymptotic) from counts.", _add)
def limits(args: argparse.Namespace) -> int:
    from darkrecon import stats
    from darkrecon.stats.scan import _json_safe, json_columns

    if sum(x is not None for x in (args.n_obs, args.csv, args.selected)) != 1:
        raise CommandError("give either --n-obs (with --bkg), --csv or --selected")
    if args.selected is not None:
        return _selected(args)
    if args.n_obs is not None:
        if args.bkg is None:
            raise CommandError("--n-obs needs --bkg")
        cols = {"mass": np.array([0.0]), "n_obs": np.array([args.n_obs]),
                "bkg": np.array([args.bkg]), "bkg_unc": np.array([args.bkg_unc]),
                "efficiency": np.array([args.efficiency])}
    else:
        cols = _read_csv(args.csv)
    n = cols["mass"].size
    bkg_unc = cols.get("bkg_unc", np.full(n, args.bkg_unc))
    eff = cols.get("efficiency", np.full(n, 1.0))
    try:
        res = stats.scan(cols["mass"], cols["n_obs"], cols["bkg"], eff, args.luminosity,
                         bkg_unc=bkg_unc, cl=args.cl, method=args.method,
                         window_width=cols.get("window_width", args.window_width),
                         expected=not args.no_expected,
                         **_method_kwargs(args))
        table = res.columns()
        if args.channel:
            table[f"{args.channel}_coupling_limit"] = _couplings(args, res.mass, res.limit_xsec,
                                                                 cols)
            if res.expected_xsec is not None:
                table[f"{args.channel}_coupling_limit_expected"] = _couplings(
                    args, res.mass, res.expected_xsec.median, cols)
    except ValueError as err:
        raise CommandError(str(err)) from None

    unit = "fb" if args.luminosity != 1.0 else "events/eff"
    print(f"darkrecon limits: {args.method} at {args.cl:.0%} CL, luminosity {args.luminosity:g} "
          f"fb^-1 (cross sections in {unit})")
    keys = [k for k in table if k not in ("bkg_unc", "efficiency")]
    print(" ".join(f"{_short(k):>11}" for k in keys))
    for i in range(n):
        print(" ".join(f"{float(table[k][i]):11.4g}" for k in keys))
    if n > 1:
        s = res.summary()
        print(f"largest local excess at m = {s['best_mass']:.5g}: Z_local = {s['z_local_max']:.2f},"
              f" N_eff = {s['n_eff_trials']:.1f}, Z_global = {s['z_global']:.2f}")
    if args.output:
        out = Path(args.output)
        out.mkdir(parents=True, exist_ok=True)
        with (out / "limits.csv").open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(table)
            for row in zip(*table.values(), strict=True):
                w.writerow([f"{float(v):.8g}" for v in row])
        doc = {"summary": _json_safe(res.summary()), "points": json_columns(table)}
        (out / "limits.json").write_text(json.dumps(doc, indent=2, allow_nan=False) + "\n")
        print(f"written {out / 'limits.csv'} and {out / 'limits.json'}")
    return 0


def _selected(args: argparse.Namespace) -> int:
    from darkrecon.pipeline.chain import limits_stage

    if args.no_expected:
        raise CommandError("--selected needs the expected bands (the report draws them); drop --no-expected")
    out = args.output or "limits"
    try:
        results = limits_stage(args.selected, out, cl=args.cl, method=args.method, **_method_kwargs(args))
    except ValueError as err:
        raise CommandError(str(err)) from None
    print(f"darkrecon limits: {args.method} at {args.cl:.0%} CL of {args.selected}; written to {out}")
    print(f"{'channel':<12} {'L [fb^-1]':>9} {'mass':>6} {'obs UL [fb]':>12} {'exp UL [fb]':>12} "
          f"{'obs coupling':>12} {'exp coupling':>12}")
    for r in results:
        med, g_med = r.scan.expected_xsec.median, r.coupling_expected["median"]
        for i, m in enumerate(r.mass):
            print(f"{r.channel:<12} {r.luminosity_fb:9.3g} {m:6.2f} {r.scan.limit_xsec[i]:12.4g} "
                  f"{med[i]:12.4g} {r.coupling_observed[i]:12.4g} {g_med[i]:12.4g}")
    return 0
