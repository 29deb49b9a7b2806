"""Run a scenario from Python, change one lever, and compare an indicator (no files needed)."""

from pathlib import Path

import twin

ROOT = Path(twin.__file__).resolve().parent.parent
scenario = twin.load_scenario(ROOT / "scenarios" / "testville_quick.toml")
base = twin.run(scenario, "runs/base", force=True, picture=False)
strict = twin.run(scenario.with_overrides({"access.threshold_min": 2.0}), "runs/strict", force=True,
                  picture=False)

for name, result in (("5 min", base), ("2 min", strict)):
    share = result.value("services", "share_within_hospital")
    print(f"threshold {name}: {share:5.1f} % of residents within reach of a hospital")
assert strict.value("services", "share_within_hospital") <= base.value("services", "share_within_hospital")
