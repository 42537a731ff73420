"""A small dense autoencoder on 9x9 PXD matrices, trained on background only (PyTorch, CPU).

The anomaly score of a cluster is its reconstruction loss (mean squared error over the 81
pixels); the flagging threshold is the score quantile that keeps a stated fraction of the
background (default 99%).  Two input variants:

- ``"charge"``: the raw ADC values scaled by the fixed constant 1/255 (8-bit full scale);
- ``"shape"``: each matrix divided by its total charge (unit sum), so that the model can only
  use the shape of the cluster, not its charge.

PyTorch is the optional extra ``darkrecon[anomaly]`` (a CPU build, pinned); it is imported
lazily.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from darkrecon import __version__

#: Version of the saved-model format; :func:`load_model` refuses any other.
FORMAT_VERSION = 1
MATRIX_SHAPE = (9, 9)
N_PIXELS = 81
SATURATION_ADC = 255.0
VARIANTS = ("charge", "shape")


class ModelFormatError(ValueError):
    """A model file that is not a darkrecon anomaly model of the supported format version."""


def _torch():
    try:
        import torch
    except ImportError as err:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            "darkrecon.anomaly models need PyTorch: pip install 'darkrecon[anomaly]' "
            "(pins the CPU build torch==2.13.0)"
        ) from err
    return torch


@dataclass(frozen=True)
class AutoencoderSettings:
    """Architecture and training settings (saved with the model)."""

    variant: str = "charge"
    layers: tuple[int, ...] = (32, 8)  # encoder widths; the decoder mirrors them: 81-32-8-32-81
    epochs: int = 20
    batch_size: int = 512
    learning_rate: float = 2e-3
    seed: int = 1
    background_efficiency: float = 0.99
    # Intra-op threads for torch (never more than 2 on the project machine).  One is the
    # default: for an 81-32-8 network the per-batch work is too small to split, and on the
    # shared 2-core machine 2 spinning OpenMP threads measured 10-20x slower per step.
    threads: int = 1

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, got {self.variant!r}")
        if not 0 < self.background_efficiency < 1:
            raise ValueError(
                f"background_efficiency must be in (0, 1), got {self.background_efficiency}"
            )
        if self.epochs < 1 or self.batch_size < 1 or not self.layers:
            raise ValueError("epochs and batch_size must be >= 1 and layers non-empty")

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["layers"] = list(self.layers)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> AutoencoderSettings:
        d = dict(d)
        d["layers"] = tuple(int(x) for x in d["layers"])
        return cls(**d)


def prepare(adc, variant: str) -> np.ndarray:
    """Validate cluster matrices and turn them into the model input (n, 81) float32.

    Accepts (n, 9, 9), (n, 81) or a single (9, 9) matrix of non-negative, finite ADC values.
    """
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    a = np.asarray(adc)
    if a.dtype.kind not in "fiu":
        raise TypeError(f"cluster matrices must be numeric, got dtype {a.dtype}")
    if a.shape == MATRIX_SHAPE:
        a = a[None]
    if a.ndim == 3 and a.shape[1:] == MATRIX_SHAPE:
        a = a.reshape(len(a), N_PIXELS)
    elif not (a.ndim == 2 and a.shape[1] == N_PIXELS):
        raise ValueError(f"cluster matrices must have shape (n, 9, 9) or (n, 81), got {a.shape}")
    a = a.astype(np.float64)
    bad = ~np.isfinite(a)
    if bad.any():
        rows = np.flatnonzero(bad.any(axis=1))
        raise ValueError(
            f"cluster matrices contain NaN or infinite charges (rows {rows[:5].tolist()}"
            f"{' ...' if len(rows) > 5 else ''})"
        )
    if (a < 0).any():
        raise ValueError("cluster matrices contain negative charges (ADC values must be >= 0)")
    if variant == "charge":
        return (a / SATURATION_ADC).astype(np.float32)
    total = a.sum(axis=1, keepdims=True)
    return np.divide(a, total, out=np.zeros_like(a), where=total > 0).astype(np.float32)


def _build(settings: AutoencoderSettings):
    torch = _torch()
    nn = torch.nn
    widths = [N_PIXELS, *settings.layers]
    mods: list = []
    for a, b in zip(widths[:-1], widths[1:], strict=True):
        mods += [nn.Linear(a, b), nn.ReLU()]
    rev = widths[::-1]
    for i, (a, b) in enumerate(zip(rev[:-1], rev[1:], strict=True)):
        mods.append(nn.Linear(a, b))
        if i < len(rev) - 2:
            mods.append(nn.ReLU())
    return nn.Sequential(*mods)


@dataclass
class AnomalyModel:
    """A trained autoencoder with its settings and flagging threshold."""

    settings: AutoencoderSettings
    network: object  # torch.nn.Module
    threshold: float = float("nan")
    history: list[float] = field(default_factory=list)
    train_seconds: float = float("nan")

    def score(self, adc, batch: int = 65536) -> np.ndarray:
        """Reconstruction loss (MSE over the 81 pixels) of each cluster."""
        torch = _torch()
        x = prepare(adc, self.settings.variant)
        out = np.empty(len(x))
        with _threads(self.settings.threads), torch.no_grad():
            self.network.eval()
            for s in range(0, len(x), batch):
                xb = torch.from_numpy(x[s : s + batch])
                out[s : s + batch] = ((self.network(xb) - xb) ** 2).mean(dim=1).double().numpy()
        return out

    def flag(self, adc) -> np.ndarray:
        """True for clusters whose score exceeds the threshold (anomalous)."""
        return self.score(adc) > self.threshold

    def set_threshold(self, background_adc, efficiency: float | None = None) -> float:
        """Threshold that keeps ``efficiency`` of the given background (score quantile)."""
        eff = self.settings.background_efficiency if efficiency is None else efficiency
        self.threshold = float(np.quantile(self.score(background_adc), eff))
        return self.threshold

    def state(self) -> dict:
        return {
            "format": "darkrecon.anomaly.autoencoder",
            "format_version": FORMAT_VERSION,
            "darkrecon_version": __version__,
            "settings": self.settings.to_dict(),
            "threshold": float(self.threshold),
            "history": [float(h) for h in self.history],
            "train_seconds": float(self.train_seconds),
            "state_dict": self.network.state_dict(),
        }

    def save(self, path: str | Path) -> Path:
        torch = _torch()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(self.state(), path)
        return path


class _threads:
    """Context manager: torch intra-op threads set to ``n`` (restored afterwards)."""

    def __init__(self, n: int):
        self.n = n

    def __enter__(self):
        torch = _torch()
        self.old = torch.get_num_threads()
        torch.set_num_threads(max(1, self.n))

    def __exit__(self, *exc):
        _torch().set_num_threads(self.old)


def train(
    background_adc,
    settings: AutoencoderSettings = AutoencoderSettings(),
    validation_adc=None,
    verbose: bool = False,
) -> AnomalyModel:
    """Train the autoencoder on background clusters only; deterministic for ``settings.seed``.

    The threshold is set on ``validation_adc`` if given, else on the training sample.
    """
    torch = _torch()
    x = torch.from_numpy(prepare(background_adc, settings.variant))
    if len(x) < 2:
        raise ValueError(f"need at least 2 background clusters to train, got {len(x)}")
    was_deterministic = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        # NumPy randomness (the simulation) uses explicit seeded Generators; torch's global
        # generator (weight initialisation) is seeded inside a fork so the caller's is untouched.
        with _threads(settings.threads), torch.random.fork_rng(devices=[]):
            torch.manual_seed(settings.seed)
            gen = torch.Generator().manual_seed(settings.seed)
            net = _build(settings)
            opt = torch.optim.Adam(net.parameters(), lr=settings.learning_rate)
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=settings.epochs)
            history = []
            start = time.perf_counter()
            net.train()
            for epoch in range(settings.epochs):
                perm = torch.randperm(len(x), generator=gen)
                total = 0.0
                for s in range(0, len(x), settings.batch_size):
                    xb = x[perm[s : s + settings.batch_size]]
                    loss = ((net(xb) - xb) ** 2).mean()
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    total += loss.item() * len(xb)
                sched.step()
                history.append(total / len(x))
                if verbose:
                    tag = f"[{settings.variant}] epoch {epoch + 1}/{settings.epochs}"
                    print(f"  {tag}: loss {history[-1]:.3e}")
            elapsed = time.perf_counter() - start
    finally:
        torch.use_deterministic_algorithms(was_deterministic)
    model = AnomalyModel(settings, net, history=history, train_seconds=elapsed)
    model.set_threshold(background_adc if validation_adc is None else validation_adc)
    return model


def load_model(path: str | Path) -> AnomalyModel:
    """Load a model written by :meth:`AnomalyModel.save`; other format versions raise."""
    torch = _torch()
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:
        raise ModelFormatError(f"{path} is not a darkrecon anomaly model file ({err})") from err
    if not isinstance(state, dict) or state.get("format") != "darkrecon.anomaly.autoencoder":
        raise ModelFormatError(f"{path} is not a darkrecon anomaly model file")
    version = state.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFormatError(
            f"{path} has model format version {version} (written by darkrecon "
            f"{state.get('darkrecon_version', '?')}); this darkrecon {__version__} reads only "
            f"format version {FORMAT_VERSION}: retrain with `darkrecon anomaly train`"
        )
    settings = AutoencoderSettings.from_dict(state["settings"])
    net = _build(settings)
    net.load_state_dict(state["state_dict"])
    net.eval()
    return AnomalyModel(
        settings,
        net,
        threshold=float(state["threshold"]),
        history=list(state.get("history", [])),
        train_seconds=float(state.get("train_seconds", float("nan"))),
    )
