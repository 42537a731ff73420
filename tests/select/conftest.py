"""Samples from the real chain (generate -> simulate -> reconstruct), made once per session
and shared by the selection tests; small, so that the whole folder stays fast."""

from __future__ import annotations

import pytest

import darkrecon as dr
from darkrecon.reconstruction import reconstruct


@pytest.fixture(scope="session")
def chain():
    """``chain(process, n, seed=..., **params)`` -> Reconstructed, cached per arguments."""
    cache: dict = {}

    def make(process: str, n: int, seed: int = 1, **params):
        key = (process, n, seed, tuple(sorted(params.items())))
        if key not in cache:
            sample = dr.generate(process, n, beam="Y4S", seed=seed, **params)
            cache[key] = reconstruct(dr.simulate(sample, seed=seed + 1000, n_threads=1), n_threads=1)
        return cache[key]

    return make
