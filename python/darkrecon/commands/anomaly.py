"""``darkrecon anomaly``: PXD cluster anomaly detection (autoencoders vs a total-charge cut).

darkrecon anomaly simulate --what background|monopole [--mass 1] --n N --out clusters.npz
darkrecon anomaly train [--out anomaly_model] [--n-background 100000] [--seed 1]
darkrecon anomaly score [--model-dir anomaly_model] [--out anomaly_report]
                        [--clusters FILE.npz]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from darkrecon.cli import CommandError, command


def _add(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    s = sub.add_parser("simulate", help="simulate PXD clusters into an .npz file (key 'adc')")
    s.add_argument("--what", choices=["background", "monopole"], default="background")
    s.add_argument("--mass", type=float, default=1.0, help="monopole mass [GeV]")
    s.add_argument("--n", type=int, default=10_000)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", type=Path, required=True)

    v = sub.add_parser("validate", help="MIP charge MPV and cluster size vs incidence angle")
    v.add_argument("--out", type=Path, default=Path("anomaly_report"))
    v.add_argument("--n", type=int, default=4000, help="clusters per point")
    v.add_argument("--seed", type=int, default=0)

    t = sub.add_parser("train", help="train the autoencoders on simulated background clusters")
    t.add_argument("--out", type=Path, default=Path("anomaly_model"), help="model folder")
    t.add_argument("--n-background", type=int, default=100_000, help="training clusters")
    t.add_argument(
        "--n-validation",
        type=int,
        default=20_000,
        help="background clusters (another seed) that set the threshold",
    )
    t.add_argument(
        "--variants", nargs="+", choices=["charge", "shape"], default=["charge", "shape"]
    )
    t.add_argument("--epochs", type=int, default=20)
    t.add_argument("--seed", type=int, default=1)
    t.add_argument(
        "--background-efficiency",
        type=float,
        default=0.99,
        help="fraction of background kept below the flagging threshold",
    )
    t.add_argument("--threads", type=int, default=1, choices=[1, 2], help="torch threads")
    t.add_argument("--quiet", action="store_true")

    c = sub.add_parser("score", help="score clusters, or evaluate on held-out simulated samples")
    c.add_argument("--model-dir", type=Path, default=Path("anomaly_model"))
    c.add_argument("--out", type=Path, default=Path("anomaly_report"))
    c.add_argument(
        "--clusters",
        type=Path,
        help="an .npz with 'adc' (n, 9, 9): write scores.csv for it instead",
    )
    c.add_argument("--n-background", type=int, default=20_000, help="held-out background")
    c.add_argument("--n-signal", type=int, default=3_000, help="clusters per monopole mass")
    c.add_argument("--masses", type=float, nargs="+", default=[1.0, 4.0])
    c.add_argument("--seed", type=int, default=1000, help="seed of the held-out samples")


def _models(model_dir: Path):
    from darkrecon.anomaly.model import ModelFormatError, load_model

    files = sorted(model_dir.glob("autoencoder_*.pt"))
    if not files:
        raise CommandError(f"no autoencoder_*.pt in {model_dir} (run `darkrecon anomaly train`)")
    try:
        models = {m.settings.variant: m for m in map(load_model, files)}
    except ModelFormatError as err:
        raise CommandError(str(err)) from err
    return models


def _simulate(args) -> int:
    from darkrecon.anomaly import monopole, pxd

    if args.n < 0:
        raise CommandError("--n must be >= 0")
    if args.what == "background":
        cl = pxd.simulate_background(args.n, seed=args.seed)
    else:
        try:
            cl = monopole.simulate_monopoles(args.n, args.mass, seed=args.seed)
        except ValueError as err:
            raise CommandError(str(err)) from err
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out, adc=cl.adc, kind=cl.kind, layer=cl.layer, theta_u=cl.theta_u, theta_v=cl.theta_v
    )
    print(f"darkrecon anomaly simulate: {len(cl)} {args.what} clusters -> {args.out}")
    return 0


def _validate(args) -> int:
    from darkrecon.anomaly import validation

    if args.n < 10:
        raise CommandError("--n must be >= 10")
    text = validation.format_validation(validation.mip_validation(args.n, args.seed))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "mip_validation.md").write_text(text)
    print(text, end="")
    print(f"written: {args.out / 'mip_validation.md'}")
    return 0


def _train(args) -> int:
    from darkrecon.anomaly import model, pxd

    if args.n_background < 2 or args.n_validation < 1:
        raise CommandError("--n-background must be >= 2 and --n-validation >= 1")
    try:
        settings = {
            v: model.AutoencoderSettings(
                variant=v,
                epochs=args.epochs,
                seed=args.seed,
                threads=args.threads,
                background_efficiency=args.background_efficiency,
            )
            for v in args.variants
        }
    except ValueError as err:
        raise CommandError(str(err)) from err
    t0 = time.perf_counter()
    train = pxd.simulate_background(args.n_background, seed=args.seed)
    valid = pxd.simulate_background(args.n_validation, seed=args.seed + 500)
    t_sim = time.perf_counter() - t0
    print(
        f"darkrecon anomaly train: simulated {len(train)} + {len(valid)} background clusters "
        f"in {t_sim:.1f} s"
    )
    summary = {
        "n_background": len(train),
        "n_validation": len(valid),
        "seed": args.seed,
        "simulation_seconds": t_sim,
        "models": {},
    }
    for v, s in settings.items():
        m = model.train(train.adc, s, validation_adc=valid.adc, verbose=not args.quiet)
        path = m.save(args.out / f"autoencoder_{v}.pt")
        summary["models"][v] = {
            "file": path.name,
            "train_seconds": m.train_seconds,
            "final_loss": m.history[-1],
            "threshold": m.threshold,
        }
        print(
            f"  {v:<6}: {s.epochs} epochs in {m.train_seconds:.1f} s, final loss "
            f"{m.history[-1]:.3e}, threshold {m.threshold:.3e} "
            f"({100 * s.background_efficiency:g}% background kept) -> {path}"
        )
    (args.out / "training.json").write_text(json.dumps(summary, indent=2))
    return 0


def _score(args) -> int:
    from darkrecon.anomaly import evaluate, monopole, pxd

    models = _models(args.model_dir)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.clusters is not None:
        if not args.clusters.is_file():
            raise CommandError(f"no clusters file {args.clusters}")
        with np.load(args.clusters) as f:
            if "adc" not in f:
                raise CommandError(f"{args.clusters} has no 'adc' array")
            adc = f["adc"]
        try:
            scores = evaluate.score_all(models, adc)
        except (ValueError, TypeError) as err:
            raise CommandError(f"{args.clusters}: {err}") from err
        path = args.out / "scores.csv"
        cols = list(scores)
        flags = {v: scores[v] > models[v].threshold for v in models}
        with path.open("w") as fh:
            fh.write(",".join(["index", *cols, *(f"flag_{v}" for v in flags)]) + "\n")
            for i in range(len(adc)):
                vals = [f"{scores[c][i]:.6g}" for c in cols] + [
                    str(int(flags[v][i])) for v in flags
                ]
                fh.write(",".join([str(i), *vals]) + "\n")
        n_flag = {v: int(f.sum()) for v, f in flags.items()}
        print(f"darkrecon anomaly score: {len(adc)} clusters, flagged {n_flag} -> {path}")
        return 0

    eff = next(iter(models.values())).settings.background_efficiency
    bkg = pxd.simulate_background(args.n_background, seed=args.seed)
    sig_clusters = {}
    for mass in args.masses:
        try:
            sig_clusters[mass] = monopole.simulate_monopoles(args.n_signal, mass, seed=args.seed)
        except ValueError as err:
            raise CommandError(str(err)) from err
    t0 = time.perf_counter()
    b_scores = evaluate.score_all(models, bkg.adc)
    t_score = time.perf_counter() - t0
    s_scores = {m: evaluate.score_all(models, c.adc) for m, c in sig_clusters.items()}
    rows = evaluate.compare(b_scores, s_scores, eff)
    csv_path, md_path = evaluate.write_table(rows, args.out)
    thresholds = {v: m.threshold for v, m in models.items()}
    evaluate.plot_losses(b_scores, s_scores, thresholds, args.out / "loss_distributions.png")
    evaluate.plot_roc(b_scores, s_scores, args.out / "roc.png")
    np.savez_compressed(
        args.out / "scores.npz",
        **{f"background_{k}": v for k, v in b_scores.items()},
        **{f"monopole{m:g}_{k}": v for m, s in s_scores.items() for k, v in s.items()},
    )
    print(
        f"darkrecon anomaly score: {len(bkg)} held-out background clusters (seed {args.seed}), "
        f"{args.n_signal} per monopole mass; scored {len(bkg)} clusters with "
        f"{len(models)} model(s) in {t_score:.2f} s"
    )
    print(md_path.read_text(), end="")
    print(
        f"written: {csv_path}, {md_path}, loss_distributions.png, roc.png, scores.npz in {args.out}"
    )
    return 0


@command("anomaly", "PXD cluster anomaly detection: simulate, train autoencoders, score.", _add)
def anomaly(args: argparse.Namespace) -> int:
    actions = {"simulate": _simulate, "validate": _validate, "train": _train, "score": _score}
    if not getattr(args, "action", None):
        raise CommandError("choose an action: simulate, validate, train or score (see --help)")
    return actions[args.action](args)
