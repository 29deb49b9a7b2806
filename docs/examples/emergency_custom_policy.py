"""A researcher's dispatch policy in a few dozen lines, run against the built-in default.

``HomeFirst`` sends a unit waiting at its station unless a unit on its way home would arrive
more than ``margin_s`` sooner (crews on the road get to finish their return). A policy is one
class with one method, ``choose(centre, call, kind, candidates)``; pass an instance to
``EmergencyModule(config, policy=...)``.

    python docs/examples/emergency_custom_policy.py
"""

from __future__ import annotations

from twin import City
from twin.config import parse
from twin.emergency import DispatchPolicy, EmergencyConfig, EmergencyModule, NearestAvailable
from twin.engine import TwinModel


class HomeFirst(DispatchPolicy):
    """Prefer units at their station; take a returning unit only if it is clearly faster."""

    name = "home_first"

    def __init__(self, margin_s: float = 180.0) -> None:
        self.margin_s = margin_s

    def choose(self, centre, call, kind, candidates):
        def eta(unit):
            return unit.eta_s(centre, call.node)

        at_home = [u for u in candidates if u.state == "available"]
        on_road = [u for u in candidates if u.state == "returning"]
        best_home = min(at_home, key=eta, default=None)
        best_road = min(on_road, key=eta, default=None)
        if best_home is None:
            return best_road
        if best_road is not None and eta(best_road) + self.margin_s < eta(best_home):
            return best_road
        return best_home


def mean_response_min(policy) -> float:
    config = parse(EmergencyConfig, {"rate_scale": 10.0}, source="example", key="emergency")
    module = EmergencyModule(config, policy=policy)
    model = TwinModel(City.from_seed("testville"), [module], seed=3, horizon_years=1, period_days=2.0)
    model.step()
    return float(module.last_incidents["response_s"].mean() / 60.0)


if __name__ == "__main__":
    for policy in (NearestAvailable(), HomeFirst()):
        print(f"{policy.name:<18} mean response {mean_response_min(policy):.2f} min")
