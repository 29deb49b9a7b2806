"""Households as Mesa agents: the researcher's door into the migration model, no numba needed.

Two uses:

- :func:`sample_households` puts a sample of the household table into an AgentSet, to inspect
  with the Mesa API (``select``, ``groupby``, ``agg``...).
- :func:`agent_choice_rule` replaces the numba location-choice kernel by Mesa agents stepped
  through an AgentSet, one :class:`HouseholdAgent` per chooser. The base agent applies exactly
  the kernel's rule (same utilities, same Gumbel draws from the household's stream, same order),
  so it reproduces the kernel's choices; subclass it and override :meth:`HouseholdAgent.utilities`
  (or :meth:`HouseholdAgent.step`) to try another behaviour, then register it with
  :func:`twin.migration.register_household_agent` and name it in ``[migration] household_agent``
  (parameters in ``[migration.household_agent_options]``), or pass
  ``MigrationModule(config, choice_rule=agent_choice_rule(MyHousehold, **params))``. Either way
  the agents live on the running TwinModel, so ``self.model.published`` is the twin's.
  It is slower (see docs/performance.md, "Migration"): fine for a city, not for a million.
"""

from __future__ import annotations

import mesa
import numpy as np
from mesa.agent import AgentSet

from twin.migration.choice import vacant_choice
from twin.migration.config import AGENT_ARGUMENTS
from twin.migration.households import COLUMNS, Households, type_table
from twin.migration.state import ChoiceProblem, ChoiceRule

_TYPES = type_table()


class HouseholdAgent(mesa.Agent):
    """One household. Attributes mirror the columns: ``household_id``, ``zone`` (-1 for a
    newcomer), ``income`` band, ``skilled`` flag, ``family`` (3+ persons) and, in a sample,
    ``size``, ``age``, ``owner`` and ``years``.

    During a choice, ``problem`` holds this year's utilities and vacancies and ``step()`` sets
    ``chosen`` (a zone index, or -1 when no zone has a vacant dwelling).
    """

    def __init__(
        self,
        model: mesa.Model,
        household_id: int,
        zone: int,
        problem: ChoiceProblem | None = None,
        **attributes,
    ) -> None:
        super().__init__(model)
        self.household_id = int(household_id)
        self.zone = int(zone)
        self.problem = problem
        self.chosen = -1
        for name, value in attributes.items():
            setattr(self, name, value)

    @property
    def choice_type(self) -> int:
        return int(self.income) * 4 + int(self.skilled) * 2 + int(self.family)

    def utilities(self) -> np.ndarray:
        """Systematic utility of every zone for this household (utils); override to change taste."""
        values = self.problem.utility[self.choice_type].copy()
        if self.zone >= 0:
            values[self.zone] += self.problem.stay_bonus
        return values

    def step(self) -> None:
        """Take the vacant zone with the highest utility + Gumbel draw, and its dwelling.

        Written as the kernel writes it: the least ``E_j * exp(-V_j)`` (E the household's
        exponential draws) is the largest ``V_j + G_j`` with Gumbel ``G = -log E``.
        """
        problem = self.problem
        values = self.utilities()
        self.chosen = vacant_choice(problem.key, self.household_id, values, problem.vacancy)
        if self.chosen >= 0:
            problem.vacancy[self.chosen] -= 1


class AgentChoiceRule:
    """A choice rule stepping one ``agent_class`` agent per chooser through an AgentSet, in order.

    Agents live for one choice round on ``model`` and are removed afterwards; each gets
    ``params`` as keyword arguments (the base agent keeps them as attributes). With no model
    the rule hosts them on a fresh ``mesa.Model``; :class:`~twin.migration.module.MigrationModule`
    binds a rule without a model to the running TwinModel (:meth:`bound`), so an agent's
    ``self.model`` is the twin (``self.model.published``, ``self.model.city``, ``self.model.year``).
    """

    def __init__(self, agent_class: type[HouseholdAgent], model: mesa.Model | None = None,
                 **params: object) -> None:
        clash = sorted(set(params) & set(AGENT_ARGUMENTS))
        if clash:
            raise TypeError(f"agent parameters may not be named {', '.join(clash)} (the rule passes them)")
        self.agent_class = agent_class
        self.model = model
        self.params = params

    def bound(self, model: mesa.Model) -> AgentChoiceRule:
        """The same rule hosting its agents on ``model``."""
        return AgentChoiceRule(self.agent_class, model, **self.params)

    def __call__(self, problem: ChoiceProblem, order: np.ndarray) -> np.ndarray:
        host = self.model if self.model is not None else mesa.Model(rng=0)
        agents = choice_agents(host, problem, order, self.agent_class, **self.params)
        AgentSet(agents, random=host.random).do("step")
        chosen = collect_choices(agents, problem.chooser_id.size)
        for agent in agents:
            agent.remove()
        return chosen


def agent_choice_rule(
    agent_class: type[HouseholdAgent] = HouseholdAgent, model: mesa.Model | None = None, **params: object
) -> ChoiceRule:
    """An :class:`AgentChoiceRule`: ``agent_class`` agents choose, each built with ``params``."""
    return AgentChoiceRule(agent_class, model, **params)


def choice_agents(
    host: mesa.Model, problem: ChoiceProblem, order: np.ndarray, agent_class: type[HouseholdAgent],
    **params: object,
) -> list[HouseholdAgent]:
    """One ``agent_class`` agent per chooser of ``problem``, in the choosing ``order``, with ``params``."""
    agents = []
    for c in order:
        t = int(problem.chooser_type[c])
        agents.append(
            agent_class(
                host,
                problem.chooser_id[c],
                problem.chooser_origin[c],
                problem,
                income=int(_TYPES["income"][t]),
                skilled=int(_TYPES["skilled"][t]),
                family=int(_TYPES["family"][t]),
                row=int(c),
                **params,
            )
        )
    return agents


def collect_choices(agents: list[HouseholdAgent], n_choosers: int) -> np.ndarray:
    """The zone each chooser picked (-1 where no agent chose), indexed by chooser row."""
    chosen = np.full(n_choosers, -1, dtype=np.int64)
    for agent in agents:
        chosen[agent.row] = agent.chosen
    return chosen


def sample_households(
    model: mesa.Model, households: Households, n: int, rng: np.random.Generator
) -> AgentSet:
    """An AgentSet of ``n`` households drawn without replacement (all when fewer), for inspection."""
    rows = np.sort(rng.choice(len(households), size=min(n, len(households)), replace=False))
    agents = []
    for r in rows:
        values = {name: getattr(households, name)[r].item() for name in COLUMNS if name not in ("id", "zone")}
        agents.append(
            HouseholdAgent(
                model, households.id[r], households.zone[r], family=int(values["size"] >= 3), **values
            )
        )
    return AgentSet(agents, random=model.random)
