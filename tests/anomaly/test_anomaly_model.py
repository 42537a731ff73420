"""Autoencoder: determinism, save/load with format versions, input validation, separation."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from darkrecon.anomaly import evaluate, metrics  # noqa: E402
from darkrecon.anomaly.model import (  # noqa: E402
    FORMAT_VERSION,
    AutoencoderSettings,
    ModelFormatError,
    load_model,
    prepare,
    train,
)

TINY = dict(epochs=3, batch_size=256)


def _weights(model):
    return {k: v.clone() for k, v in model.network.state_dict().items()}


def test_same_seed_same_weights(background_small):
    s = AutoencoderSettings(seed=5, **TINY)
    a, b = train(background_small.adc[:1500], s), train(background_small.adc[:1500], s)
    c = train(background_small.adc[:1500], AutoencoderSettings(seed=6, **TINY))
    wa, wb, wc = _weights(a), _weights(b), _weights(c)
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    assert not all(torch.equal(wa[k], wc[k]) for k in wa)
    assert a.history == b.history and a.threshold == b.threshold


def test_save_load_round_trip_and_version_check(tmp_path, background_small):
    m = train(background_small.adc[:1000], AutoencoderSettings(variant="shape", **TINY))
    path = m.save(tmp_path / "m.pt")
    back = load_model(path)
    assert back.settings == m.settings and back.threshold == m.threshold
    x = background_small.adc[1000:1200]
    assert np.array_equal(back.score(x), m.score(x))

    state = m.state()
    state["format_version"] = FORMAT_VERSION + 1
    torch.save(state, tmp_path / "future.pt")
    with pytest.raises(ModelFormatError, match=f"format version {FORMAT_VERSION + 1}.*retrain"):
        load_model(tmp_path / "future.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a model")
    with pytest.raises(ModelFormatError, match="not a darkrecon anomaly model"):
        load_model(tmp_path / "junk.pt")
    torch.save({"weights": torch.zeros(3)}, tmp_path / "other.pt")
    with pytest.raises(ModelFormatError, match="not a darkrecon anomaly model"):
        load_model(tmp_path / "other.pt")
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing.pt")


def test_bad_inputs_give_clear_errors(background_small):
    m = train(background_small.adc[:500], AutoencoderSettings(epochs=1))
    with pytest.raises(ValueError, match=r"shape \(n, 9, 9\) or \(n, 81\), got \(10, 8, 8\)"):
        m.score(np.zeros((10, 8, 8)))
    bad = background_small.adc[:5].copy()
    bad[2, 4, 4] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinite charges \(rows \[2\]"):
        m.score(bad)
    with pytest.raises(ValueError, match="negative"):
        prepare(-np.ones((1, 9, 9)), "charge")
    with pytest.raises(TypeError, match="numeric"):
        prepare(np.full((1, 9, 9), "a"), "charge")
    with pytest.raises(ValueError, match="variant"):
        AutoencoderSettings(variant="pixels")
    # a single 9x9 matrix and the flat layout are accepted
    assert m.score(background_small.adc[0]).shape == (1,)
    assert np.array_equal(m.score(background_small.adc[:3].reshape(3, 81)),
                          m.score(background_small.adc[:3]))


def test_shape_input_is_charge_scale_invariant(background_small):
    x = background_small.adc[:50]
    assert np.allclose(prepare(x, "shape"), prepare(3 * x, "shape"), atol=1e-7)
    assert np.allclose(prepare(x, "shape").sum(axis=1)[x.reshape(50, -1).sum(1) > 0], 1, atol=1e-5)


def test_threshold_keeps_the_stated_background_fraction(background_small):
    s = AutoencoderSettings(background_efficiency=0.95, **TINY)
    m = train(background_small.adc[:2000], s, validation_adc=background_small.adc[2000:])
    assert m.flag(background_small.adc[2000:]).mean() == pytest.approx(0.05, abs=0.002)


def test_tiny_training_separates_monopoles(background_small, monopoles_small):
    m = train(background_small.adc, AutoencoderSettings(epochs=6, batch_size=128))
    b = m.score(background_small.adc)
    for mono in monopoles_small.values():
        assert metrics.auc(b, m.score(mono.adc)) > 0.9
    scores = evaluate.score_all({"charge": m}, monopoles_small[1.0].adc)
    assert set(scores) == {"charge", "total_charge"}
    assert np.allclose(scores["total_charge"], monopoles_small[1.0].total_adc)


def test_training_leaves_the_global_torch_state_alone(background_small):
    state = torch.random.get_rng_state()
    flag = torch.are_deterministic_algorithms_enabled()
    threads = torch.get_num_threads()
    train(background_small.adc[:300], AutoencoderSettings(epochs=1))
    assert torch.equal(torch.random.get_rng_state(), state)
    assert torch.are_deterministic_algorithms_enabled() == flag
    assert torch.get_num_threads() == threads
