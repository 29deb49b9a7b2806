"""A dispatch policy of your own, registered by name with its options and run from a scenario."""

import twin
from twin.emergency import DispatchPolicy, register_policy
from twin.scenario import scenario_from_dict


class WaitForNearby(DispatchPolicy):
    """Nearest available, except that a call of priority 2 or 3 whose nearest free unit is more
    than ``far_s`` away waits (at most ``wait_s`` after the call) for a busy unit of its kind due
    free within ``wait_s``: the centre re-checks when the first of them is due."""

    def __init__(self, far_s: float = 600.0, wait_s: float = 300.0):
        self.far_s, self.wait_s = far_s, wait_s

    def start_period(self, centre):  # once per operating period, on its new SimPy environment
        self.waits = 0

    def choose(self, centre, call, kind, candidates):
        now = centre.env.now
        best = min(candidates, key=lambda unit: unit.eta_s(centre, call.node))
        busy = [u.busy_until_s for u in centre.by_kind[kind] if u.call is not None]  # due free then
        due = [t for t in busy if t < now + self.wait_s]
        far = best.eta_s(centre, call.node) > self.far_s
        if call.priority > 1 and far and due and now < call.time_s + self.wait_s:
            self.waits += 1
            centre.recheck_at(max(min(due), now + 1.0))  # look again when the first busy unit is due free
            return None  # the need waits in the queue
        return best


register_policy("wait_for_nearby", WaitForNearby)  # in a plug-in: "mypkg.dispatch:WaitForNearby"

for policy, options in (("nearest_available", {}), ("wait_for_nearby", {"far_s": 120.0, "wait_s": 600.0})):
    scenario = scenario_from_dict({
        "scenario": {"name": policy, "city": "testville", "period_days": 1.0},
        "emergency": {"rate_scale": 10.0, "policy": policy, "policy_options": options},
    })
    result = twin.run(scenario, f"runs/{policy}", force=True, picture=False)
    print(f"{policy:<18} mean response {result.value('emergency', 'response_mean_min'):.2f} min")
