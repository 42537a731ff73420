"""Upper limits for counting experiments: exact CLs, Bayesian, Feldman-Cousins, asymptotic CLs.

One bin, ``n_obs`` events observed on an expected background ``bkg`` (uncertainty ``bkg_unc``),
signal strength ``s`` in events. Every function is vectorised over (broadcast) ``n_obs``,
``bkg`` and ``bkg_unc`` and returns limits on ``s`` in events.

Methods (``upper_limit(..., method=)``):

``"cls"``
    Exact-Poisson CLs with the count as test statistic (Read, J. Phys. G 28 (2002) 2693):
    ``CLs(s) = P(N <= n | s + b) / P(N <= n | b)``; the limit solves ``CLs = 1 - cl``. With a
    background uncertainty both probabilities are averaged over the background prior
    (hybrid / Cousins-Highland CLs).
``"bayes"``
    Flat prior on ``s >= 0``; the background uncertainty is integrated over its prior (Gaussian
    truncated at zero, log-normal with median ``bkg`` and sigma_ln = ln(1 + bkg_unc/bkg), or a
    Gamma distribution with mean ``bkg`` and standard deviation ``bkg_unc``).
    The posterior tail uses the gamma-Poisson identity ``int_s^inf Pois(n | x + b) dx =
    P(N <= n | s + b)``, so for one bin it equals ``"cls"`` exactly (known or marginalised
    background; Helene, NIM 212 (1983) 319). The tests check this against a direct
    two-dimensional integration of the posterior with scipy.
``"fc"``
    Feldman & Cousins, PRD 57 (1998) 3873, Poisson with known background (likelihood-ratio
    ordering). ``no_rise=True`` (default) applies the step used for their Table IV: the upper
    limit is the largest over ``b' >= b`` (searched in ``[b, b + no_rise_window]``), so it never
    rises with the background; ``no_rise=False`` gives the plain Neyman construction.
``"asymptotic"``
    CLs from the asymptotic distribution of q~_mu (Cowan, Cranmer, Gross, Vitells, EPJC 71
    (2011) 1554, eqs. 16, 65-66) with the Asimov data set for the background-only expectation;
    a background uncertainty enters as an auxiliary Poisson (on-off) measurement with
    tau = (bkg / bkg_unc)^2, the model of pyhf's ``shapesys``. Noticeably lower than the exact
    limits at small counts.

The background prior integrals use 64-point Gauss-Legendre quadrature in the prior's quantile.

Background priors (``prior=``): ``"gauss"`` (truncated at zero), ``"lognormal"``, and
``"gamma"``, the natural model of a background estimated from weighted simulation: a sample of
``n_eff = (bkg / bkg_unc)^2`` effective events of weight ``bkg_unc^2 / bkg`` gives, with a flat
prior on the Poisson mean, a Gamma posterior of shape ~``n_eff`` (the Barlow-Beeston / pyhf
``shapesys`` picture; shape 1, the exponential, for a window with no simulated event where
``bkg = bkg_unc``). It stays positive and is skewed where the sample is sparse, as it should be.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from darkrecon.stats import _checks

__all__ = [
    "METHODS",
    "asymptotic_cls",
    "background_prior_nodes",
    "cls",
    "fc_interval",
    "p_value",
    "significance",
    "upper_limit",
]

METHODS = ("cls", "bayes", "fc", "asymptotic")
PRIORS = ("gauss", "lognormal", "gamma")

_N_NODES = 64
_GL_U, _GL_W = np.polynomial.legendre.leggauss(_N_NODES)
_GL_U = 0.5 * (_GL_U + 1.0)
_GL_W = 0.5 * _GL_W


def _scalar(a):
    a = np.asarray(a)
    return float(a) if a.ndim == 0 else a


# ---------------------------------------------------------------------------------------------
# Background prior and marginalised Poisson probabilities
# ---------------------------------------------------------------------------------------------

#: Background uncertainties below this (absolute, in events) are a known background: a prior
#: narrower than 1e-100 events cannot change a limit, and ratios like bkg / bkg_unc or
#: (bkg / bkg_unc)^2 of such (or subnormal) values overflow or divide 0 by 0.
_TINY_UNC = 1e-100


def _known_background(b, u):
    """Uncertainty zero, negligible (below 1e-9 of the background) or below 1e-100 events."""
    return (u <= 1e-9 * b) | (u < _TINY_UNC)


def background_prior_nodes(bkg, bkg_unc, prior: str = "gauss"):
    """Quadrature nodes ``b_k`` (shape (..., K)) and weights ``w_k`` (K,) of the background prior.

    ``sum_k w_k f(b_k)`` approximates ``int f(b) pi(b) db``. Rows with ``bkg_unc == 0`` get all
    nodes at ``bkg`` (a known background); so do rows whose uncertainty is negligible
    (below 1e-9 of the background or 1e-100 events), where the prior ratios would overflow.
    """
    b = np.asarray(bkg, dtype=np.float64)[..., None]
    u = np.asarray(bkg_unc, dtype=np.float64)[..., None]
    known = _known_background(b, u)
    # Known rows are overwritten below; give them harmless values (no 0/0, no overflow).
    safe_u = np.where(known, 1.0, u)
    pos = (b > 0) & ~known
    safe_b = np.where(pos, b, 1.0)
    if prior == "gauss":
        a = special.ndtr(-b / safe_u)  # prior mass below zero, cut away
        nodes = b + safe_u * special.ndtri(a + _GL_U * (1.0 - a))
        nodes = np.maximum(nodes, 0.0)
    elif prior == "lognormal":
        # In log space: a sigma_ln of hundreds (u >> b) would overflow exp; such nodes saturate.
        s_ln = np.logaddexp(0.0, np.log(safe_u) - np.log(safe_b))  # ln(1 + u/b)
        nodes = np.where(pos, np.exp(np.minimum(np.log(safe_b) + s_ln * special.ndtri(_GL_U), 700.0)), 0.0)
    elif prior == "gamma":
        # Mean b, sd u: shape k = (b/u)^2, scale b/k; a zero mean is a background known to be 0.
        # k is clipped to [1e-6, 1e6]: above, the Gamma is Gaussian to < 1e-3 of a sigma (and
        # gammaincinv slow); below (u > 1000 b), the mean is kept and the sd capped at 1000 b.
        ratio = np.minimum(safe_b / safe_u, 1e3)
        shape = np.clip(ratio * ratio, 1e-6, 1e6)
        gamma_nodes = special.gammaincinv(shape, _GL_U) * (safe_b / shape)
        gauss_nodes = np.maximum(b + safe_u * special.ndtri(_GL_U), 0.0)
        nodes = np.where(pos, np.where(shape < 1e6, gamma_nodes, gauss_nodes), 0.0)
    else:
        raise ValueError(f"prior must be one of {list(PRIORS)}, got {prior!r}")
    nodes = np.where(known, b, nodes)
    return nodes, _GL_W


def _log_pdtr_sum(k_max, mu):
    """log P(N <= k_max | mu) for 1-D arrays where the CDF underflows (k_max far below mu), as a
    log-sum-exp over the top terms of the sum: they fall by k / mu going down from k_max, so the
    top ~40 / ln(mu / k_max) terms hold the sum to double precision (about sqrt(mu) where the
    CDF underflows). Vectorised over the rows in batches of at most ~4e6 terms."""
    k_max = np.asarray(k_max, dtype=np.float64)
    mu = np.asarray(mu, dtype=np.float64)
    with np.errstate(divide="ignore"):
        ratio = np.log(mu / np.where(k_max > 0, k_max, 1.0))
    n_terms = np.where((k_max > 0) & (ratio > 0),
                       np.minimum(k_max + 1, np.ceil(40.0 / np.where(ratio > 0, ratio, 1.0)) + 1),
                       k_max + 1).astype(np.int64)
    vals = np.empty(k_max.size)
    order = np.argsort(n_terms)
    start = 0
    while start < order.size:
        stop = start + 1
        while stop < order.size and (stop - start + 1) * int(n_terms[order[stop]]) <= 4_000_000:
            stop += 1
        rows = order[start:stop]
        j = np.arange(int(n_terms[rows].max()), dtype=np.float64)[None, :]
        valid = j < n_terms[rows, None]
        k = np.where(valid, k_max[rows, None] - j, 0.0)
        terms = np.where(valid, special.xlogy(k, mu[rows, None]) - special.gammaln(k + 1.0), -np.inf)
        vals[rows] = special.logsumexp(terms, axis=1) - mu[rows]
        start = stop
    return vals


def _log_pdtr_nodes(n, lam):
    """log P(N <= n | lam_k) over the prior nodes (last axis), exact where it matters: a node
    whose CDF underflows (< e^-650) is summed term by term only if every node of its row
    underflows (< e^-600); otherwise it adds less than e^-50 of the row's sum and stays at its
    underflowed value (the term sums cost ~sqrt(lam) each at large backgrounds)."""
    with np.errstate(divide="ignore"):
        out = np.log(special.pdtr(n, lam))
    under = ~(out > -650.0)
    if np.any(under):
        need = under & ~(np.max(out, axis=-1, keepdims=True) > -600.0)
        if np.any(need):
            nb, lb = np.broadcast_arrays(n, lam)
            out = np.array(out, dtype=np.float64, copy=True)
            out[need] = _log_pdtr_sum(nb[need], lb[need])
    return out


def _tail(n, s, nodes, w):
    """log sum_k w_k P(N <= n | s + b_k) and its derivative in s (log space: the CDF underflows
    for large downward fluctuations, n << b)."""
    lam = s[..., None] + nodes
    nn = n[..., None]
    log_w = np.log(w)
    log_cdf = special.logsumexp(_log_pdtr_nodes(nn, lam) + log_w, axis=-1)
    log_pmf = special.logsumexp(special.xlogy(nn, lam) - lam - special.gammaln(nn + 1.0) + log_w,
                                axis=-1)
    return log_cdf, -np.exp(log_pmf - log_cdf)


def _solve_decreasing(fn, log_target, start_hi):
    """Vectorised root of ``log_f(s) = log_target`` on s >= 0 for a decreasing ``f``
    (safeguarded Newton with bisection); ``fn`` returns (log_f, d log_f / ds), and
    ``log_f(0) > log_target`` is assumed."""
    lo = np.zeros_like(log_target)
    hi = np.array(start_hi, dtype=np.float64)
    for _ in range(200):
        v, _ = fn(hi)
        need = v > log_target
        if not np.any(need):
            break
        lo = np.where(need, hi, lo)
        hi = np.where(need, 2.0 * hi + 1.0, hi)
    else:  # pragma: no cover (cannot happen for Poisson tails)
        raise RuntimeError("could not bracket the upper limit")
    s = hi.copy()
    for _ in range(100):
        v, dv = fn(s)
        g = v - log_target
        conv = np.abs(g) <= 1e-13
        if np.all(conv):
            break
        above = g > 0
        lo = np.where(above, s, lo)
        hi = np.where(above, hi, s)
        with np.errstate(divide="ignore", invalid="ignore"):
            new = s - g / dv
        bad = ~np.isfinite(new) | (new < lo) | (new > hi)
        new = np.where(bad, 0.5 * (lo + hi), new)
        s = np.where(conv | (hi - lo <= 1e-14 * (1.0 + hi)), s, new)
    return s


def _validated(n_obs, bkg, bkg_unc, cl, integer=True):
    n = _checks.counts("n_obs", n_obs, integer=integer)
    b = _checks.nonnegative("bkg", bkg)
    u = _checks.nonnegative("bkg_unc", bkg_unc)
    c = _checks.confidence_level(cl)
    n, b, u = np.broadcast_arrays(n, b, u)
    return n.astype(np.float64), b.astype(np.float64), u.astype(np.float64), c


def cls(s, n_obs, bkg, bkg_unc=0.0, prior: str = "gauss"):
    """Exact CLs = P(N <= n | s + b) / P(N <= n | b) (background prior-averaged if uncertain)."""
    n, b, u, _ = _validated(n_obs, bkg, bkg_unc, 0.5)
    s = _checks.nonnegative("s", s)
    n, b, u, s = np.broadcast_arrays(n, b, u, s)
    nodes, w = background_prior_nodes(b, u, prior)
    num, _ = _tail(n, s, nodes, w)
    den, _ = _tail(n, np.zeros_like(s), nodes, w)
    return _scalar(np.exp(num - den))


def _limit_cls(n, b, u, cl, prior):
    known = _known_background(b, u)
    if np.all(known):  # one node per point
        nodes, w = b[:, None], np.ones(1)
    elif np.any(known):
        out = np.empty_like(b)
        out[known] = _limit_cls(n[known], b[known], u[known], cl, prior)
        out[~known] = _limit_cls(n[~known], b[~known], u[~known], cl, prior)
        return out
    else:
        nodes, w = background_prior_nodes(b, u, prior)
    t0, _ = _tail(n, np.zeros_like(b), nodes, w)
    log_target = np.log(1.0 - cl) + t0
    start = np.maximum(n - b, 0.0) + 5.0 * np.sqrt(n + 1.0) + 5.0
    return _solve_decreasing(lambda s: _tail(n, s, nodes, w), log_target, start)


# ---------------------------------------------------------------------------------------------
# Asymptotic CLs (q~_mu)
# ---------------------------------------------------------------------------------------------

def _profiled_bkg(mu, n, m, k):
    """Conditional MLE of the background b' for fixed signal mu, data n and auxiliary count m
    ~ Pois(k b') (on-off). Root of (1+k) b^2 + ((1+k) mu - n - m) b - m mu = 0."""
    a = 1.0 + k
    bq = a * mu - n - m
    disc = np.sqrt(bq * bq + 4.0 * a * m * mu)
    with np.errstate(invalid="ignore", divide="ignore"):
        # Numerically stable root (avoid cancellation when bq < 0).
        root = np.where(bq <= 0, (-bq + disc) / (2.0 * a), 2.0 * m * mu / (bq + disc))
    return np.where(np.isfinite(root), np.maximum(root, 0.0), 0.0)


def _nll(mu, bp, n, m, k, known_b):
    lam = mu + bp
    out = lam - special.xlogy(n, lam)
    aux = np.where(known_b, 0.0, k * bp - special.xlogy(m, bp))
    return out + aux


def _qtilde(mu, n, m, k, b0, known_b):
    """q~_mu for the one-bin model (signal mu, background b0 if known else profiled)."""
    bp_mu = np.where(known_b, b0, _profiled_bkg(mu, n, m, k))
    b_hat = np.where(known_b, b0, np.where(k > 0, m / np.where(k > 0, k, 1.0), 0.0))
    mu_hat = n - b_hat
    # mu_hat < 0: the best fit at mu = 0 with the background profiled.
    bp_0 = np.where(known_b, b0, _profiled_bkg(np.zeros_like(mu), n, m, k))
    nll_mu = _nll(mu, bp_mu, n, m, k, known_b)
    nll_best = np.where(mu_hat >= 0, _nll(np.maximum(mu_hat, 0.0), b_hat, n, m, k, known_b),
                        _nll(np.zeros_like(mu), bp_0, n, m, k, known_b))
    q = np.maximum(2.0 * (nll_mu - nll_best), 0.0)
    return np.where(mu_hat > mu, 0.0, q)


def _asymptotic_parts(mu, n, b, u):
    # A relative uncertainty below 1e-6 is a known background (tau = (b/u)^2 would overflow), as
    # is one below 1e-100 events (u * u underflows to 0: b / 0 or 0 / 0).
    known_b = (u <= 1e-6 * b) | (u < _TINY_UNC)
    k = np.where(known_b, 0.0, b / np.where(known_b, 1.0, u * u))  # tau / b
    m = k * b  # auxiliary count tau
    q = _qtilde(mu, n, m, k, b, known_b)
    # Asimov background-only data: nuisance at its conditional MLE for mu = 0 given the data.
    b00 = np.where(known_b, b, _profiled_bkg(np.zeros_like(mu), n, m, k))
    q_a = _qtilde(mu, b00, k * b00, k, b00, known_b)
    sq, sqa = np.sqrt(q), np.sqrt(q_a)
    with np.errstate(divide="ignore", invalid="ignore"):
        small = q <= q_a
        clsb = np.where(small, special.ndtr(-sq), special.ndtr(-(q + q_a) / (2.0 * sqa)))
        clb = np.where(small, special.ndtr(sqa - sq), special.ndtr((q_a - q) / (2.0 * sqa)))
    return clsb, clb


def asymptotic_cls(s, n_obs, bkg, bkg_unc=0.0):
    """Asymptotic CLs of signal ``s`` (Cowan et al. 2011, q~_mu, Asimov b-only band)."""
    n, b, u, _ = _validated(n_obs, bkg, bkg_unc, 0.5, integer=False)
    s = _checks.nonnegative("s", s)
    n, b, u, s = np.broadcast_arrays(n, b, u, s)
    clsb, clb = _asymptotic_parts(s.astype(float), n, b, u)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _scalar(np.where(clb > 0, clsb / clb, 1.0))


def _limit_asymptotic(n, b, u, cl):
    alpha = 1.0 - cl

    def f(mu):
        clsb, clb = _asymptotic_parts(mu, n, b, u)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(clb > 0, clsb / clb, 1.0)

    lo = np.zeros_like(n)
    hi = np.maximum(n - b, 0.0) + 5.0 * np.sqrt(n + b + u * u + 1.0) + 5.0
    for _ in range(200):
        need = f(hi) > alpha
        if not np.any(need):
            break
        lo = np.where(need, hi, lo)
        hi = np.where(need, 2.0 * hi, hi)
    for _ in range(100):  # bisection: CLs is not smooth at q = q_A
        mid = 0.5 * (lo + hi)
        above = f(mid) > alpha
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
        if np.all(hi - lo <= 1e-11 * (1.0 + hi)):
            break
    return 0.5 * (lo + hi)


# ---------------------------------------------------------------------------------------------
# Feldman-Cousins
# ---------------------------------------------------------------------------------------------

def _fc_accept(mu, b, cl):
    """FC acceptance intervals [n1, n2] for signal values ``mu`` (1-D) and background ``b``."""
    lam_lo, lam_hi = b + float(mu.min()), b + float(mu.max())
    n_lo = max(0, int(np.floor(lam_lo - 9.0 * np.sqrt(lam_lo) - 5.0)))
    n_hi = int(np.ceil(lam_hi + 9.0 * np.sqrt(lam_hi) + 12.0))
    n = np.arange(n_lo, n_hi + 1, dtype=np.float64)
    lam = mu[:, None] + b
    lg = special.gammaln(n + 1.0)
    logp = special.xlogy(n, lam) - lam - lg
    best = np.maximum(n - b, 0.0) + b
    log_r = logp - (special.xlogy(n, best) - best - lg)
    order = np.argsort(-log_r, axis=1, kind="stable")
    cum = np.cumsum(np.take_along_axis(np.exp(logp), order, axis=1), axis=1)
    last = np.argmax(cum >= cl, axis=1)
    inc = np.arange(n.size)[None, :] <= last[:, None]
    n1 = np.where(inc, order, n.size).min(axis=1) + n_lo
    n2 = np.where(inc, order, -1).max(axis=1) + n_lo
    return n1, n2


def _fc_raw(n0, b, cl):
    """Raw FC intervals (lower, upper) for the counts ``n0`` (1-D) at one known background ``b``.

    The belt is scanned on a coarse grid, then on a fine grid (step 0.005 for small counts)
    around each edge, and each edge is refined by bisection between the last accepted and the
    first rejected fine point. The accepted set need not be connected (islands ~0.01 wide appear
    just above the upper edge when n0 < b): its hull is taken, as in Feldman & Cousins.
    """
    n0 = np.asarray(n0, dtype=np.float64)
    nmax, nmin = float(n0.max()), float(n0.min())
    scale = max(1.0, np.sqrt(nmax + b + 1.0) / 4.0)
    coarse, fine_step, margin = 0.05 * scale, 0.005 * scale, 0.5 * scale
    mu_lo = max(0.0, nmin - b - 9.0 * np.sqrt(nmin + b + 1.0) - 5.0)
    mu_lo = np.floor(mu_lo / coarse) * coarse
    mu_hi = max(nmax - b, 0.0) + 7.0 * np.sqrt(nmax + 1.0) + 6.0
    grid = np.arange(mu_lo, mu_hi + coarse, coarse)
    n1, n2 = _fc_accept(grid, b, cl)
    ok = (n1[None, :] <= n0[:, None]) & (n2[None, :] >= n0[:, None])
    if np.any(ok[:, -1]) or (mu_lo > 0 and np.any(ok[:, 0])):  # pragma: no cover
        raise RuntimeError("Feldman-Cousins scan range too short")
    has = ok.any(axis=1)
    i_up = np.where(has, ok.shape[1] - 1 - np.argmax(ok[:, ::-1], axis=1), 0)
    i_lo = np.where(has, np.argmax(ok, axis=1), 0)
    # Fine brackets [accepted, rejected] of each edge.
    up_a, up_r = np.zeros(n0.size), np.zeros(n0.size)
    lo_r, lo_a = np.zeros(n0.size), np.zeros(n0.size)
    at_zero = np.zeros(n0.size, dtype=bool)
    for i, k in enumerate(n0):
        if not has[i]:
            continue
        fine = grid[i_up[i]] + np.arange(0.0, coarse + margin, fine_step)
        a1, a2 = _fc_accept(fine, b, cl)
        acc = (a1 <= k) & (a2 >= k)
        j = np.where(acc)[0][-1]
        if j == fine.size - 1:  # pragma: no cover
            raise RuntimeError("Feldman-Cousins upper-edge window too short")
        up_a[i], up_r[i] = fine[j], fine[j + 1]
        if i_lo[i] == 0 and grid[0] == 0.0:
            at_zero[i] = True
            continue
        fine = np.maximum(grid[i_lo[i]] - coarse - np.arange(0.0, coarse + margin, fine_step), 0.0)
        a1, a2 = _fc_accept(fine, b, cl)
        acc = (a1 <= k) & (a2 >= k)
        j = np.where(~acc)[0]
        if j.size == 0:  # accepted down to zero
            at_zero[i] = True
            continue
        j = j[0]
        lo_r[i], lo_a[i] = fine[j], fine[j - 1] if j > 0 else grid[i_lo[i]]

    def accepted(mu):
        a1, a2 = _fc_accept(mu, b, cl)
        return (a1 <= n0) & (a2 >= n0)

    lo, hi = up_a, up_r
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        a = accepted(mid)
        lo, hi = np.where(a, mid, lo), np.where(a, hi, mid)
    upper = lo
    lo2, hi2 = lo_r, lo_a
    for _ in range(30):
        mid = 0.5 * (lo2 + hi2)
        a = accepted(mid)
        lo2, hi2 = np.where(a, lo2, mid), np.where(a, mid, hi2)
    lower = np.where(at_zero, 0.0, hi2)
    return np.where(has, lower, np.nan), np.where(has, upper, np.nan)


def _fc_accept_b(mu, bs, cl):
    """Acceptance intervals [n1, n2] on the grid ``bs`` (B,) x ``mu`` (M,): arrays (B, M)."""
    lam_lo = float(bs.min() + mu.min())
    lam_hi = float(bs.max() + mu.max())
    n_lo = max(0, int(np.floor(lam_lo - 9.0 * np.sqrt(lam_lo) - 5.0)))
    n_hi = int(np.ceil(lam_hi + 9.0 * np.sqrt(lam_hi) + 12.0))
    n = np.arange(n_lo, n_hi + 1, dtype=np.float64)
    lg = special.gammaln(n + 1.0)
    lam = bs[:, None, None] + mu[None, :, None]
    logp = special.xlogy(n, lam) - lam - lg
    best = np.maximum(n[None, :] - bs[:, None], 0.0) + bs[:, None]  # (B, N)
    log_r = logp - (special.xlogy(n, best) - best - lg)[:, None, :]
    order = np.argsort(-log_r, axis=2, kind="stable")
    cum = np.cumsum(np.take_along_axis(np.exp(logp), order, axis=2), axis=2)
    last = np.argmax(cum >= cl, axis=2)
    inc = np.arange(n.size) <= last[..., None]
    n1 = np.where(inc, order, n.size).min(axis=2) + n_lo
    n2 = np.where(inc, order, -1).max(axis=2) + n_lo
    return n1, n2


def _fc_upper_no_rise(n0, b, cl, window, up_raw, b_step=0.02, mu_step=0.002, mu_window=0.6,
                      n_candidates=3):
    """max over b' in [b, b + window] of the raw FC upper limit.

    The belt is built on a (b', mu) grid with mu in [up_raw - 0.15, up_raw + mu_window] (fine
    mu steps: the accepted set has islands ~0.01 wide). The raw limit jumps up just above some
    b' and then falls steeply, so rows where the limit rose since the previous row (a jump
    inside) and the best rows are refined on a b' grid 40 times finer just below them and by
    bisection in mu. The result is the maximum to ~1e-3 (the table precision is 1e-2).
    """
    out = up_raw.copy()
    bs = b + np.arange(0.0, window + 0.5 * b_step, b_step)
    for i, k in enumerate(n0):
        mu = np.concatenate([np.arange(max(up_raw[i] - 0.15, 0.0), up_raw[i], mu_step),
                             up_raw[i] + 1e-6 + np.arange(0.0, mu_window, mu_step)])
        row_best = np.full(bs.size, -np.inf)
        start = 0
        for chunk in np.array_split(bs, max(1, bs.size // 25)):
            n1, n2 = _fc_accept_b(mu, chunk, cl)
            ok = (n1 <= k) & (n2 >= k)
            if np.any(ok[:, -1]):  # pragma: no cover
                raise RuntimeError("Feldman-Cousins no-rise window too short")
            last = np.where(ok.any(axis=1), mu.size - 1 - np.argmax(ok[:, ::-1], axis=1), -1)
            row_best[start:start + chunk.size] = np.where(last >= 0, mu[np.maximum(last, 0)],
                                                          -np.inf)
            start += chunk.size
        jumps = np.where(row_best[1:] > row_best[:-1] + 1e-9)[0] + 1
        cand = list(jumps[np.argsort(-row_best[jumps])][:n_candidates])
        cand += [r for r in np.argsort(-row_best)[:n_candidates] if r not in cand]
        for r in cand:
            if np.isfinite(row_best[r]):
                out[i] = max(out[i], _refine_no_rise(k, b, bs[r], row_best[r], cl, b_step,
                                                     mu_step))
    return out


def _refine_no_rise(k, b, b_row, mu_row, cl, b_step, mu_step):
    """Largest accepted mu for n0 = k with b' in [b_row - b_step, b_row], near mu_row."""
    fine_b = np.linspace(max(b, b_row - b_step), b_row, 41)
    fine_mu = mu_row + np.arange(-mu_step, 0.05, mu_step / 4.0)
    n1, n2 = _fc_accept_b(fine_mu, fine_b, cl)
    ok = (n1 <= k) & (n2 >= k)
    cols = np.where(ok.any(axis=0))[0]
    if cols.size == 0:  # pragma: no cover (b_row itself is accepted at mu_row)
        return mu_row
    j = cols[-1]
    if j == fine_mu.size - 1:  # pragma: no cover
        raise RuntimeError("Feldman-Cousins no-rise refinement window too short")
    bb = fine_b[np.where(ok[:, j])[0][0]]
    lo, hi = fine_mu[j], fine_mu[j + 1]
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        a1, a2 = _fc_accept(np.array([mid]), bb, cl)
        if a1[0] <= k <= a2[0]:
            lo = mid
        else:
            hi = mid
    return lo


def fc_interval(n_obs, bkg, cl: float = 0.90, no_rise: bool = True,
                no_rise_window: float = 1.5):
    """Feldman-Cousins confidence interval ``(lower, upper)`` on the signal mean.

    Parameters
    ----------
    n_obs, bkg : array_like
        Observed counts (whole numbers) and the known expected background.
    cl : float
        Confidence level.
    no_rise : bool
        Apply the Table IV step of Feldman & Cousins (1998): the upper limit is the largest
        over backgrounds ``b' >= b`` (searched up to ``b + no_rise_window``), so that it does
        not rise with the background. Costs ~100 belt constructions per background value.
    """
    n, b, _, c = _validated(n_obs, bkg, 0.0, cl)
    if not (np.isfinite(no_rise_window) and no_rise_window >= 0):
        raise ValueError(f"no_rise_window must be finite and >= 0, got {no_rise_window}")
    lower = np.empty(n.shape)
    upper = np.empty(n.shape)
    for bb in np.unique(b):
        sel = b == bb
        lo, up = _fc_raw(n[sel], float(bb), c)
        if no_rise and no_rise_window > 0:
            up = _fc_upper_no_rise(n[sel], float(bb), c, no_rise_window, up)
        lower[sel], upper[sel] = lo, up
    return _scalar(lower), _scalar(upper)


# ---------------------------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------------------------

def upper_limit(n_obs, bkg, bkg_unc=0.0, cl: float = 0.90, method: str = "cls",
                prior: str = "gauss", no_rise: bool = True, no_rise_window: float = 1.5):
    """Upper limit on the signal (in events) of a counting experiment.

    Parameters
    ----------
    n_obs : array_like
        Observed events (whole numbers; ``"asymptotic"`` also takes non-integer Asimov counts).
    bkg : array_like
        Expected background events.
    bkg_unc : array_like
        Absolute uncertainty of ``bkg`` (0: known background).
    cl : float
        Confidence level in (0, 1), 0.90 by default.
    method : {"cls", "bayes", "fc", "asymptotic"}
        See the module documentation; ``"fc"`` needs ``bkg_unc == 0``.
    prior : {"gauss", "lognormal", "gamma"}
        Background prior for ``"cls"`` and ``"bayes"`` (Gaussian truncated at zero,
        log-normal with median ``bkg``, or Gamma with mean ``bkg`` and sd ``bkg_unc``).
    no_rise, no_rise_window
        Feldman-Cousins Table IV step (see :func:`fc_interval`).

    Returns
    -------
    float or ndarray
        The upper limit(s) on the signal mean in events, broadcast over the inputs.
    """
    _checks.choice("method", method, METHODS)
    _checks.choice("prior", prior, PRIORS)
    n, b, u, c = _validated(n_obs, bkg, bkg_unc, cl, integer=method != "asymptotic")
    if n.size == 0:
        return np.empty(n.shape)
    if method in ("cls", "bayes"):
        out = _limit_cls(n.ravel(), b.ravel(), u.ravel(), c, prior).reshape(n.shape)
    elif method == "asymptotic":
        out = _limit_asymptotic(n.ravel(), b.ravel(), u.ravel(), c).reshape(n.shape)
    else:
        if np.any(u > 0):
            raise ValueError("method='fc' supports a known background only: bkg_unc must be 0")
        out = np.asarray(fc_interval(n, b, c, no_rise, no_rise_window)[1])
    return _scalar(out)


def p_value(n_obs, bkg, bkg_unc=0.0, prior: str = "gauss"):
    """Local background-only p-value P(N >= n_obs | b) (prior-averaged if ``bkg_unc > 0``).

    Computed as the regularised incomplete gamma function P(n, b), which equals the Poisson
    tail for whole ``n`` and interpolates it for non-integer (e.g. Asimov) counts.
    """
    _checks.choice("prior", prior, PRIORS)
    n, b, u, _ = _validated(n_obs, bkg, bkg_unc, 0.5, integer=False)
    nodes, w = background_prior_nodes(b, u, prior)
    safe_n = np.where(n > 0, n, 1.0)[..., None]
    tail = special.gammainc(safe_n, nodes) @ w  # P(N >= n | b_k)
    return _scalar(np.where(n <= 0, 1.0, tail))


def significance(p):
    """One-sided Gaussian significance Z = Phi^-1(1 - p) (negative for p > 0.5)."""
    p = np.asarray(p, dtype=np.float64)
    return _scalar(-special.ndtri(p))
