"""Shared fixtures: the tiny test city, paths to shared data, a scratch run folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def testville():
    from twin import City

    return City.from_seed("testville")


@pytest.fixture(scope="session")
def hezhou():
    from twin import City

    return City.from_seed("hezhou")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip("../shared/data is not beside the checkout")
    return path


@pytest.fixture(scope="session")
def shared_tntp() -> Path:
    path = SHARED / "tntp"
    if not path.is_dir():
        pytest.skip("../shared/tntp is not beside the checkout")
    return path


@pytest.fixture
def quick_scenario():
    from twin import load_scenario

    return load_scenario(ROOT / "scenarios" / "testville_quick.toml")
