"""CityTwin: a city digital twin with coupled traffic, emergency, waste and migration models.

The front door: ``twin.City.from_seed("hezhou")``, ``twin.load_scenario(path)``,
``twin.run(scenario) -> RunResult``. See docs/architecture.md for the design.
"""

from twin._lazy import export_lazily

export_lazily(__name__, {
    "twin._version": ("__version__",),
    "twin.city": ("City", "RoadNetwork"),
    "twin.engine": ("Module", "TwinModel"),
    "twin.errors": ("CityError", "ScenarioError", "TwinInputError"),
    "twin.indicators": ("Indicator",),
    "twin.registry": ("register_module",),
    "twin.scenario": ("RunResult", "Scenario", "load_scenario", "run"),
}, submodules=("sweep",))  # twin.sweep is a callable package: twin.sweep(...) runs a sweep

__all__ = [
    "City", "CityError", "Indicator", "Module", "RoadNetwork", "RunResult", "Scenario",
    "ScenarioError", "TwinInputError", "TwinModel", "__version__", "load_scenario", "register_module", "run",
    "sweep",
]
