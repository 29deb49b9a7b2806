"""CityTwin: a city digital twin with coupled traffic, emergency, waste and migration models.

The front door: ``twin.City.from_seed("hezhou")``, ``twin.load_scenario(path)``,
``twin.run(scenario) -> RunResult``. See docs/architecture.md for the design.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("citytwin")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"

from twin import sweep  # noqa: E402  (a callable package: twin.sweep(...) runs a sweep)
from twin.city import City, RoadNetwork  # noqa: E402
from twin.engine import Module, TwinModel  # noqa: E402
from twin.errors import CityError, ScenarioError, TwinInputError  # noqa: E402
from twin.indicators import Indicator  # noqa: E402
from twin.scenario import RunResult, Scenario, load_scenario, run  # noqa: E402

__all__ = [
    "City", "CityError", "Indicator", "Module", "RoadNetwork", "RunResult", "Scenario",
    "ScenarioError", "TwinInputError", "TwinModel", "__version__", "load_scenario", "run", "sweep",
]
