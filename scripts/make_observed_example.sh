#!/usr/bin/env bash
# Regenerate the shipped calibration example, data/observed/hezhou_synthetic/ (its README.md says
# what it is: SYNTHETIC observations of a hidden truth, and a scenario calibrated to them):
#   1. run the truth, scenarios/hezhou_truth_synthetic.toml (the prior with 15 % more car trips
#      and an earlier morning peak, and ambulance turnout 2.5 min instead of 1.5), into
#      runs/hezhou_truth_synthetic;
#   2. observe it with `twin observe` (detectors on 5 % of the links, Poisson counts; every other
#      kind the run gives at the defaults) into data/observed/hezhou_synthetic/;
#   3. calibrate the prior, scenarios/hezhou_synthetic_prior.toml, to those observations:
#      data/observed/hezhou_synthetic/calibrated.toml, calibrated.md and the report's plots
#      (calibrated.calibration/figures; the runs it simulated are deleted, they are large);
#      budget 28 runs a domain: the traffic fit's 10 + 2 x (4 districts + 2) + 2.
# Idempotent: every output is made afresh (the Hezhou city may have changed since the last time).
# About 5-7 minutes on 2 cores (7 min at load 5 with a policy experiment beside it, 57803d1). Extra arguments go to `twin calibrate`
# (e.g. --workers 2).
set -euo pipefail
cd "$(dirname "$0")/.."
export VTK_DEFAULT_OPENGL_WINDOW="${VTK_DEFAULT_OPENGL_WINDOW:-vtkEGLRenderWindow}"
twin="${TWIN:-.venv/bin/twin}"
out=data/observed/hezhou_synthetic
truth=runs/hezhou_truth_synthetic

"$twin" run scenarios/hezhou_truth_synthetic.toml --out "$truth" --force
rm -rf "$out/observations.new"
"$twin" observe "$truth" --out "$out/observations.new" --sample counts=0.05 --seed 1
# the observation files and observe.json replace the old ones; README.md stays
rm -f "$out"/*.csv "$out"/*.parquet "$out/observe.json" "$out/calibrated.toml" "$out/calibrated.md"
rm -rf "$out/calibrated.calibration"
mv "$out/observations.new"/* "$out/"
rmdir "$out/observations.new"
"$twin" calibrate scenarios/hezhou_synthetic_prior.toml --observed "$out" --out "$out/calibrated.toml" \
    --seed 1 --budget 28 "$@"
rm -rf "$out/calibrated.calibration/evaluations"
"$twin" validate "$out/calibrated.toml"
