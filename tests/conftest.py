"""Shared fixtures."""

import pytest

import darkrecon as dr


@pytest.fixture
def y4s() -> dr.Beam:
    return dr.Beam.preset("Y4S")
