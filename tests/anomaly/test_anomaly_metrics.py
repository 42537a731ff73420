"""NumPy ROC / AUC against brute force."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from darkrecon.anomaly import metrics

scores = st.lists(st.integers(-5, 5).map(float), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(scores, scores)
def test_auc_equals_pairwise_probability(b, s):
    b, s = np.array(b), np.array(s)
    brute = ((s[:, None] > b[None, :]).sum() + 0.5 * (s[:, None] == b[None, :]).sum()) / (
        len(b) * len(s)
    )
    assert metrics.auc(b, s) == pytest.approx(brute, abs=1e-12)
    fpr, tpr, _ = metrics.roc_curve(b, s)
    assert np.all(np.diff(fpr) <= 0) and np.all(np.diff(tpr) <= 0)
    assert (fpr[0], tpr[0], fpr[-1], tpr[-1]) == (1.0, 1.0, 0.0, 0.0)
    # trapezoidal area under the ROC curve is the AUC (ties are the diagonal segments)
    area = -np.sum(np.diff(fpr) * 0.5 * (tpr[1:] + tpr[:-1]))
    assert area == pytest.approx(brute, abs=1e-12)


def test_auc_limits_and_errors():
    assert metrics.auc([0, 1, 2], [3, 4]) == 1.0
    assert metrics.auc([3, 4], [0, 1, 2]) == 0.0
    with pytest.raises(ValueError, match="at least one"):
        metrics.auc([], [1.0])
    with pytest.raises(ValueError, match="finite"):
        metrics.auc([np.nan], [1.0])


def test_efficiency_at_threshold():
    rng = np.random.default_rng(1)
    b = rng.normal(size=10_000)
    thr, eff = metrics.efficiency_at(b, b + 10, 0.99)
    assert (b > thr).mean() == pytest.approx(0.01, abs=2e-4)
    assert eff == 1.0
