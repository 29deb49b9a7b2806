#!/usr/bin/env bash
# Install CityTwin and run the Hezhou baseline: prints the indicator table, writes a run folder
# with a 3D picture of the city (runs/hezhou_baseline-seed42/city.png).
set -euo pipefail
cd "$(dirname "$0")/.."
# The extras every README command needs: html (twin view --html) and osm (twin city import, a
# projected city's GeoJSON export). Not peers (UXsim, SUMO): only the peer benchmarks use them.
TWIN_EXTRAS="${TWIN_EXTRAS:-html,osm}" ./scripts/setup.sh
export VTK_DEFAULT_OPENGL_WINDOW="${VTK_DEFAULT_OPENGL_WINDOW:-vtkEGLRenderWindow}"
exec .venv/bin/twin run scenarios/hezhou_baseline.toml --out runs/hezhou_baseline-seed42 --force "$@"
