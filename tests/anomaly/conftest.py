"""Small simulated samples shared by the anomaly tests (session scope: simulated once)."""

import pytest

from darkrecon.anomaly import monopole, pxd


@pytest.fixture(scope="session")
def background_small():
    return pxd.simulate_background(3000, seed=21)


@pytest.fixture(scope="session")
def monopoles_small():
    return {m: monopole.simulate_monopoles(150, m, seed=22) for m in (1.0, 4.0)}
