"""Shared fixtures: the tiny test city, the repository's reference data folder, a quick scenario."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def testville():
    from twin import City

    return City.from_seed("testville")


@pytest.fixture(scope="session")
def hezhou():
    from twin import City

    return City.from_seed("hezhou")


@pytest.fixture(scope="session")
def reference_data() -> Path:
    """The repository's reference data folder (data/README.md: Sioux Falls TNTP, the 10x10 grid, CVRPLIB).

    It is part of the repository, so a test that uses it never skips: a missing file fails.
    """
    return ROOT / "data"


@pytest.fixture
def quick_scenario():
    from twin import load_scenario

    return load_scenario(ROOT / "scenarios" / "testville_quick.toml")
