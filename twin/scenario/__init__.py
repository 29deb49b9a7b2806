"""Scenarios: validated TOML specs, runs and the run-folder store (sweeps build on these)."""

from twin._lazy import export_lazily

export_lazily(__name__, {
    "twin.scenario.run": ("run", "simulate"),
    "twin.scenario.spec": ("Scenario", "load_scenario", "scenario_from_dict"),
    "twin.scenario.store": ("RunResult",),
})

__all__ = ["RunResult", "Scenario", "load_scenario", "run", "scenario_from_dict",
           "simulate"]
