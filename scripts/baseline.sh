#!/usr/bin/env bash
# Install CityTwin and run the Hezhou baseline: prints the indicator table, writes a run folder
# with a 3D picture of the city (runs/hezhou_baseline-seed42/city.png).
set -euo pipefail
cd "$(dirname "$0")/.."
TWIN_EXTRAS="${TWIN_EXTRAS:-html}" ./scripts/setup.sh
export VTK_DEFAULT_OPENGL_WINDOW="${VTK_DEFAULT_OPENGL_WINDOW:-vtkEGLRenderWindow}"
exec .venv/bin/twin run scenarios/hezhou_baseline.toml --out runs/hezhou_baseline-seed42 --force "$@"
