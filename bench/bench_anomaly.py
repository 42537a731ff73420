"""PXD anomaly detection: autoencoder training time (budget 2 min on 2 cores) and scoring
rate against the total-charge cut, on the same simulated clusters."""

from __future__ import annotations

import time

from common import Row, best_time


def rows(quick: bool) -> list[Row]:
    try:
        import torch  # noqa: F401
    except ImportError:
        return []
    from darkrecon.anomaly import evaluate, pxd
    from darkrecon.anomaly.model import AutoencoderSettings, train

    n_train = 10_000 if quick else 100_000
    epochs = 3 if quick else AutoencoderSettings().epochs
    t0 = time.perf_counter()
    background = pxd.simulate_background(n_train, seed=1)
    t_sim = time.perf_counter() - t0
    out = [Row("anomaly", "PXD background cluster simulation", "-", n_train, "clusters", t_sim)]
    train(background.adc[:512], AutoencoderSettings(epochs=1))  # warm-up: torch start-up
    models = {}
    for variant in ("charge", "shape"):
        t0 = time.perf_counter()
        model = train(background.adc, AutoencoderSettings(variant=variant, epochs=epochs))
        t_train = time.perf_counter() - t0
        models[variant] = model
        out.append(Row("anomaly", f"AE train ({variant}, {epochs} epochs, 1 thr)", "-",
                       n_train * epochs, "clus*ep", t_train,
                       note=f"{t_train:.1f} s for {n_train} clusters (budget 120 s)"))
    held_out = pxd.simulate_background(20_000 if not quick else 5_000, seed=2).adc
    t_cut = best_time(lambda: evaluate.total_charge(held_out), repeat=3)
    for variant, model in models.items():
        t_ae = best_time(lambda m=model: m.score(held_out), repeat=3)
        out.append(Row("anomaly", f"AE score ({variant})", "total-charge cut", len(held_out),
                       "clusters", t_ae, t_cut))
    return out
