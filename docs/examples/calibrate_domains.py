"""Emergency, waste and migration fits of `twin calibrate` on an observing-system experiment.

A hidden "truth" (testville, two years of four days) has 30 % more emergency calls of every
type, more kitchen and recyclable and less residual waste per resident, and twice the
general in-migration; a "prior" scenario has the defaults. The truth is run and observed with
`twin observe` (every call, the weighbridge, bin fill, a census with 1 % noise), then the prior
is calibrated to those observations (docs/observations.md, "Emergency, waste and migration
fits"). Writes prior.toml, truth.toml, runs/, observed/ and calibrated.toml in the working folder.
"""

import subprocess
import sys
from pathlib import Path

from twin.scenario.spec import load_scenario

PRIOR = """[scenario]
name = "calibrate_prior"
city = "testville"
horizon_years = 2
period_days = 4

[migration]

[emergency]
rate_scale = 10.0

[waste]
route_iterations = 5
"""
TRUTH = """extends = "prior.toml"

[scenario]
name = "calibrate_truth"

[migration]
in_rate = 0.04

[emergency]
rate_scale = 13.0

[waste]
resident_kg_day = { kitchen = 0.5, recyclable = 0.25, hazardous = 0.005, residual = 0.3 }
"""


def twin(*args: str) -> None:
    """Run one `twin` command, stopping on failure."""
    subprocess.run([sys.executable, "-m", "twin", *args], check=True)


Path("prior.toml").write_text(PRIOR, encoding="utf-8")
Path("truth.toml").write_text(TRUTH, encoding="utf-8")
twin("run", "truth.toml", "--out", "runs/truth", "--force")
twin("observe", "runs/truth", "--out", "observed/truth", "--seed", "1", "--force")
twin("calibrate", "prior.toml", "--observed", "observed/truth", "--out", "calibrated.toml", "--force")
print(Path("calibrated.toml").read_text(encoding="utf-8"))

truth, fitted = load_scenario("truth.toml"), load_scenario("calibrated.toml")
emergency = fitted.modules["emergency"]
for name, spec in emergency.types.items():  # the truth's rates are the defaults x 13 / 10
    want = load_scenario("prior.toml").modules["emergency"].types[name].rate_per_1000 * 1.3
    print(f"{name}: rate_per_1000 {spec.rate_per_1000:.4f} (truth {want:.4f})")
print(f"in_rate {fitted.modules['migration'].in_rate:.4f} (truth 0.04)")
assert abs(fitted.modules["migration"].in_rate - 0.04) < 0.006
