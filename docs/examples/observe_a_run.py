"""An observing system in miniature: hide a "truth" run, observe it, and compare a wrong guess.

The truth is testville with trips at 0.5 per resident; the guess assumes 0.3. Detectors on 20 %
of the links count vehicles (Poisson noise); the total counted is compared with what the same
detectors would count in each run (docs/observations.md). Runs from any folder; writes runs/
and observed/ there.
"""

from pathlib import Path

import twin
from twin.observations import observe, read_observations, reference_of

ROOT = Path(twin.__file__).resolve().parent.parent
scenario = twin.load_scenario(ROOT / "scenarios" / "testville_quick.toml")
truth = twin.run(scenario, "runs/truth", force=True, picture=False)
guess = twin.run(scenario.with_overrides({"traffic.trip_rate": 0.3}), "runs/guess", force=True, picture=False)

observe(truth.path, "observed/truth", sample={"counts": 0.2}, seed=1, force=True)
counts = read_observations("observed/truth", reference_of(truth.path))["counts"]
detectors = set(counts.link)


def counted(result: twin.RunResult) -> float:
    """Vehicles the detectors would count in a run (each record interval is 15 minutes)."""
    series = result.timeseries["link_timeseries"]
    return float((series[series.link.isin(detectors)].flow_vph * 0.25).sum())


print(f"{len(detectors)} detectors counted {counts.vehicles.sum():,.0f} vehicles")
print(f"the truth run gives {counted(truth):,.0f}, the guess {counted(guess):,.0f}")
assert abs(counted(truth) - counts.vehicles.sum()) < abs(counted(guess) - counts.vehicles.sum())
