import pytest

import darkrecon as dr


@pytest.fixture(scope="session")
def beam():
    return dr.Beam.preset("Y4S")
