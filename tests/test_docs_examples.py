"""Every example in docs/examples runs, as a user would run it (SimPy's rule: docs are tested)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "docs" / "examples").glob("*.py"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(example, tmp_path):
    env = dict(os.environ, VTK_DEFAULT_OPENGL_WINDOW="vtkEGLRenderWindow", MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, str(example)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
