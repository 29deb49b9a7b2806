"""Agent classes of your own, chosen by name with parameters: emergency units and households."""

import twin
from twin.emergency import Unit, register_unit_class
from twin.migration import HouseholdAgent, register_household_agent
from twin.scenario import scenario_from_dict


class Rookie(Unit):
    """A crew that takes ``extra_turnout_s`` longer to leave its station (new recruits)."""

    def __init__(self, model, *, extra_turnout_s: float = 0.0, **unit):
        super().__init__(model, **unit)
        self.extra_turnout_s = extra_turnout_s

    def eta_s(self, centre, node):  # the centre sends units by this and drives them for as long
        leaving = self.extra_turnout_s if self.state == "available" else 0.0
        return super().eta_s(centre, node) + leaving


class Homebody(HouseholdAgent):
    """The kernel's choice with ``extra_stay`` more utils for the zone the household lives in."""

    def __init__(self, *args, extra_stay: float = 0.0, **attributes):
        super().__init__(*args, **attributes)
        self.extra_stay = extra_stay
        assert self.model.published.get("zone_population") is not None  # it lives on the running twin

    def utilities(self):
        values = super().utilities()
        if self.zone >= 0:  # a mover, not a newcomer
            values[self.zone] += self.extra_stay
        return values


register_unit_class("rookie", Rookie)  # in a plug-in: "mypkg.agents:Rookie"
register_household_agent("homebody", Homebody)

for label, emergency, migration in (
    ("stock agents", {}, {}),
    ("rookies, homebodies", {"unit_class": "rookie", "unit_options": {"extra_turnout_s": 120.0}},
     {"household_agent": "homebody", "household_agent_options": {"extra_stay": 3.0}}),
):
    scenario = scenario_from_dict({
        "scenario": {"name": "agents", "city": "testville", "period_days": 1.0},
        "emergency": {"rate_scale": 10.0, **emergency},
        "migration": migration,
    })
    result = twin.run(scenario, "runs/agents", force=True, picture=False)
    response = result.value("emergency", "response_mean_min")
    new_town = result.value("migration", "population_new_town")
    print(f"{label:<20} mean response {response:.2f} min, New Town {new_town:.0f} residents")
