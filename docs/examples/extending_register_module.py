"""A module of your own, registered and run: road noise from the traffic the twin simulates."""

import dataclasses

import numpy as np

import twin
from twin.config import option
from twin.engine import ticker
from twin.scenario import scenario_from_dict


@dataclasses.dataclass(frozen=True, kw_only=True)
class NoiseConfig:
    interval_min: float = option(30.0, ge=1, le=240, unit="minutes", doc="how often the roads are heard")
    loud_dba: float = option(55.0, ge=30, le=100, unit="dB(A)", doc="a road is loud above this level")


class NoiseModule(twin.Module):
    """Road noise: each road's hourly level from its flow (CoRTN's basic L10 = 42.2 + 10 log10 q)."""

    name = "noise"  # the scenario section
    domain = "environment"  # the indicators' domain
    config_class = NoiseConfig

    def setup(self, model):
        self.levels = []  # (year, dB(A) per link) every interval

    def processes(self, model):
        year = model.year

        def listen(now):
            if now > model.warmup_s:  # traffic publishes its link flows (veh/h) each interval
                flow = model.published.get("link_flow_vph")
                self.levels.append((year, 42.2 + 10 * np.log10(np.maximum(flow, 1.0))))

        return [ticker(model.env, self.config.interval_min * 60, listen, until_s=model.period_s)]

    def indicators(self, model, year):
        levels = np.array([level for y, level in self.levels if y == year])
        loud = 100.0 * np.mean(levels > self.config.loud_dba) if levels.size else 0.0
        return [twin.Indicator("environment", "loud_road_time_pct", loud, "%", "lower", (50.0, 0.0),
                               "share of road-intervals louder than loud_dba")]


twin.register_module("noise", NoiseModule, NoiseConfig, domain="environment", after="traffic")

scenario = scenario_from_dict({
    "scenario": {"name": "noise", "city": "testville", "period_days": 0.25},
    "traffic": {"trip_rate": 0.5, "time_step_s": 2.0, "platoon": 5},
    "noise": {"interval_min": 15.0},
})
result = twin.run(scenario, "runs/noise", force=True, picture=False)
print(f"roads louder than 55 dB(A): {result.value('environment', 'loud_road_time_pct'):.1f} % of the time")
assert list(result.manifest["modules"]) == ["traffic", "noise"]
