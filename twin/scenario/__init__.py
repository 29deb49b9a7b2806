"""Scenarios: validated TOML specs, runs and the run-folder store (sweeps build on these)."""

from twin.scenario.run import load_city, run, simulate
from twin.scenario.spec import Scenario, load_scenario, scenario_from_dict
from twin.scenario.store import RunResult

__all__ = ["RunResult", "Scenario", "load_city", "load_scenario", "run", "scenario_from_dict",
           "simulate"]
