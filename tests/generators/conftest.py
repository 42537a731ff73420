import darkrecon as dr
import pytest


@pytest.fixture(scope="session")
def beam():
    return dr.Beam.preset("Y4S")
