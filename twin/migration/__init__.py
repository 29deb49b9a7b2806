"""Population migration: households choose where to live each year; the new districts fill or not.

Design of the folder (one idea per file):

- ``households.py``: households as numpy columns (zone, size, income band, age band of the head,
  skilled flag, tenure, years in place), created from the city's zone populations;
- ``choice.py``: per-chooser random streams (a counter-based hash keyed by household id and
  year: common random numbers across scenarios) and the numba multinomial-logit sampler;
- ``housing.py``: dwellings per zone, construction, prices that clear the choosers' demand;
- ``flows.py``: births, deaths, household formation, leaving and moving (per-household draws),
  the gravity model of flows with other regions;
- ``zone_attributes.py``: jobs within reach, schools, hospitals, public places, commute times
  from the zone travel-time skim (traffic's, else free flow);
- ``state.py``: one year on the columns, in a fixed order (:class:`MigrationState`);
- ``module.py``: the engine adapter (yearly beat, publishing ``zone_population`` and
  ``zone_jobs``, KPIs, tables);
- ``mesa_view.py``: the researcher's door: households as Mesa agents, for a sample or as a
  plain-Python replacement of the choice rule.
"""

from twin._lazy import export_lazily

export_lazily(__name__, {
    "twin.migration.choice": ("choose_zones", "logit_probabilities", "stream_uniform"),
    "twin.migration.config": ("MigrationConfig", "register_household_agent"),
    "twin.migration.households": ("Households", "create_households"),
    "twin.migration.housing": ("HousingMarket",),
    "twin.migration.mesa_view": (
        "AgentChoiceRule", "HouseholdAgent", "agent_choice_rule", "sample_households",
    ),
    "twin.migration.module": ("MigrationModule",),
    "twin.migration.state": ("ChoiceProblem", "MigrationState", "YearFlows", "kernel_rule"),
})

__all__ = [
    "AgentChoiceRule",
    "HouseholdAgent",
    "agent_choice_rule",
    "sample_households",
    "ChoiceProblem",
    "Households",
    "HousingMarket",
    "MigrationConfig",
    "MigrationModule",
    "MigrationState",
    "YearFlows",
    "choose_zones",
    "create_households",
    "kernel_rule",
    "logit_probabilities",
    "register_household_agent",
    "stream_uniform",
]
