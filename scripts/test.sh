#!/usr/bin/env bash
# Install CityTwin with its test extras and run the checks CI runs: ruff, then the test suite
# (benchmarks and slow tests excluded; run them with `-m benchmark` or `-m slow`).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export VTK_DEFAULT_OPENGL_WINDOW="${VTK_DEFAULT_OPENGL_WINDOW:-vtkEGLRenderWindow}"
.venv/bin/ruff check .
exec .venv/bin/python -m pytest -q "$@"
