"""Unanswered calls and the shares within target are right-censored at the period's end.

A call no unit reached within ``unanswered_after_min`` of it is unanswered; the share is taken over
the calls made at least that long before the period's end, and younger calls still open at the
end are reported apart (``open_at_end_calls``). Likewise ``share_within_target_*`` counts only the
calls made at least their type's ``target_min`` before the end. The first checks feed hand-set calls
to the indicators of a real short run on testville; the last runs an overloaded centre through a
warm-up.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pandas as pd
import pytest

from twin.config import parse
from twin.emergency import EmergencyConfig, EmergencyModule
from twin.emergency.kpis import year_indicators
from twin.engine import TwinModel

MIN = 60.0
"""Seconds in a minute."""


def config(**data) -> EmergencyConfig:
    return parse(EmergencyConfig, data, source="test", key="emergency")


def run(city, cfg, days=0.25, warmup_days=0):
    module = EmergencyModule(cfg)
    model = TwinModel(city, [module], seed=5, horizon_years=1, period_days=days, warmup_days=warmup_days)
    model.step()
    return module, model


def calls(module: EmergencyModule, rows: list[tuple], **columns) -> pd.DataFrame:
    """The run's first calls with their (time_s, response_s) set to ``rows`` (NaN: never reached);
    a third item in a row is the call's type, and ``columns`` set other columns (one value or one
    per row)."""
    frame = module.last_incidents.iloc[: len(rows)].copy()
    frame["time_s"] = [row[0] for row in rows]
    frame["response_s"] = [row[1] for row in rows]
    if all(len(row) > 2 for row in rows):
        frame["type"] = [row[2] for row in rows]
    for name, value in columns.items():
        frame[name] = value
    return frame


def values(module, model, frame) -> dict[str, float]:
    busy = np.zeros(len(module.centre.unit_list))
    return {i.name: i.value for i in year_indicators(module, model, frame, busy)}


@pytest.fixture(scope="module")
def short_run(testville):
    return run(testville, config(rate_scale=15.0))


def old_rule_unanswered(frame: pd.DataFrame) -> int:
    """The rule this replaces: every call no unit reached by the period's end."""
    return int(frame["response_s"].isna().sum())


def test_a_call_just_before_the_end_is_open_not_unanswered(short_run):
    module, model = short_run
    end = model.period_s
    frame = calls(module, [(0.0, 8 * MIN), (3600.0, 10 * MIN), (end - 5 * MIN, np.nan)])
    v = values(module, model, frame)
    assert v["unanswered_calls"] == 0
    assert v["unanswered_share"] == 0
    assert v["open_at_end_calls"] == 1
    assert old_rule_unanswered(frame) == 1  # the old rule counted it


def test_a_call_waiting_past_the_limit_is_unanswered(short_run):
    module, model = short_run
    end = model.period_s
    frame = calls(
        module,
        [
            (0.0, 70 * MIN),  # reached, but after 60 min
            (end - 90 * MIN, np.nan),  # never reached, open 90 min at the end
            (600.0, 45 * MIN),  # reached within 60 min: answered, though late for its target
            (1200.0, 10 * MIN),
        ],
    )
    v = values(module, model, frame)
    assert v["unanswered_calls"] == 2
    assert v["open_at_end_calls"] == 0
    assert v["unanswered_share"] == pytest.approx(50.0)
    assert old_rule_unanswered(frame) == 1  # the old rule missed the call reached after 70 min
    # the limit is the scenario's: at 30 min the 45-minute response is unanswered too
    strict = copy.copy(module)
    strict.config = dataclasses.replace(module.config, unanswered_after_min=30.0)
    assert values(strict, model, frame)["unanswered_calls"] == 3


def test_the_share_leaves_out_calls_too_young_to_tell(short_run):
    """Denominator: the calls made at least 60 min before the end, answered or not."""
    module, model = short_run
    end = model.period_s
    old = [(i * 300.0, 9 * MIN) for i in range(8)] + [(2400.0, np.nan), (3000.0, 80 * MIN)]
    young = [(end - 50 * MIN, 4 * MIN), (end - 40 * MIN, 6 * MIN), (end - 10 * MIN, np.nan)]
    v = values(module, model, calls(module, old + young))
    assert v["unanswered_calls"] == 2
    assert v["open_at_end_calls"] == 1
    assert v["unanswered_share"] == pytest.approx(2 / 10 * 100.0)  # not 2 / 13 (all calls)


def test_an_overloaded_centre_through_a_warm_up(testville):
    """One ambulance a base and many medical calls: a queue grows, so calls go unreached both long
    before and just before the end; the end is the warm-up day plus the recorded period."""
    cfg = config(
        types={"medical": {"rate_per_1000": 0.3}},
        rate_scale=60.0,
        units_per_station={"ambulance": 1},
        standby_per_station={},
    )
    module, model = run(testville, cfg, days=0.25, warmup_days=1)
    rows = {i.name: i.value for i in module.indicators(model, model.year)}
    recorded = module.last_incidents[module.last_incidents["time_s"] >= model.warmup_s]
    age = model.period_s - recorded["time_s"].to_numpy()
    never = recorded["response_s"].isna().to_numpy()
    assert (never & (age < 60 * MIN)).any() and (never & (age >= 60 * MIN)).any()
    assert rows["open_at_end_calls"] == (never & (age < 60 * MIN)).sum()
    assert rows["unanswered_calls"] < old_rule_unanswered(recorded)
    late = (age >= 60 * MIN) & ~(recorded["response_s"].to_numpy() <= 60 * MIN)
    assert rows["unanswered_share"] == pytest.approx(late.sum() / (age >= 60 * MIN).sum() * 100.0)
    medical = (recorded["type"] == "medical").to_numpy()
    judged = medical & (age >= 12 * MIN)  # the medical target, 12 min
    within = judged & (recorded["response_s"].to_numpy() <= 12 * MIN)
    assert judged.any()
    assert rows["share_within_target_medical"] == pytest.approx(within.sum() / judged.sum() * 100.0)


def old_rule_within_target(module: EmergencyModule, frame: pd.DataFrame) -> float:
    """The rule this replaces: every call against its type's target, those of the last minutes too."""
    target_s = frame["type"].map({n: t.target_min * MIN for n, t in module.config.types.items()})
    return float((frame["response_s"] <= target_s).mean()) * 100.0


def test_a_call_just_before_the_end_is_not_a_target_miss(short_run):
    module, model = short_run
    end = model.period_s
    frame = calls(module, [(0.0, 8 * MIN, "medical"), (3600.0, 10 * MIN, "medical"),
                           (end - 3 * MIN, np.nan, "medical")])
    assert values(module, model, frame)["share_within_target_medical"] == pytest.approx(100.0)
    assert old_rule_within_target(module, frame) == pytest.approx(200.0 / 3)  # the old rule: a miss


def test_the_share_within_target_leaves_out_calls_too_young_to_judge(short_run):
    """Denominator: the medical calls made at least their 12-min target before the end, reached in
    time or not; the younger ones are left out whether reached or not."""
    module, model = short_run
    end = model.period_s
    old = [(0.0, 8 * MIN), (600.0, 20 * MIN), (1200.0, np.nan), (end - 12 * MIN, 11 * MIN)]
    young = [(end - 11 * MIN, 4 * MIN), (end - 11 * MIN, np.nan), (end - 5 * MIN, 2 * MIN)]
    frame = calls(module, [(t, r, "medical") for t, r in old + young])
    assert values(module, model, frame)["share_within_target_medical"] == pytest.approx(50.0)  # 2 of 4
    assert old_rule_within_target(module, frame) == pytest.approx(400.0 / 7)
    # dropping only the calls still open at the end would keep the young ones reached: 4 of 6
    assert values(module, model, frame)["share_within_target_medical"] != pytest.approx(400.0 / 6)


def test_each_call_is_judged_against_its_own_types_target(short_run):
    """Fire's target is 7 min, medical's 12: a call made 10 min before the end can be judged if it
    is a fire, not if it is a medical call (a type with no call to judge yet has no share)."""
    module, model = short_run
    end = model.period_s
    frame = calls(module, [(0.0, 5 * MIN, "fire"), (end - 10 * MIN, 9 * MIN, "fire"),
                           (end - 5 * MIN, np.nan, "fire"), (end - 10 * MIN, np.nan, "medical")])
    v = values(module, model, frame)
    assert v["share_within_target_fire"] == pytest.approx(50.0)
    assert "share_within_target_medical" not in v


def test_the_surge_split_shares_within_target_are_censored_too(testville):
    module, model = run(testville, config(rate_scale=15.0, surge=[{"start_h": 1.0, "end_h": 2.0,
                                                                   "rate_multiplier": 1.0}]))
    end = model.period_s
    rows = [(0.0, 20 * MIN, "medical"), (600.0, 5 * MIN, "medical"),
            (4000.0, 5 * MIN, "medical"), (end - 3 * MIN, np.nan, "medical")]
    frame = calls(module, rows, surge=[False, False, True, True], in_hazard=False)
    v = values(module, model, frame)
    assert v["share_within_target_peacetime"] == pytest.approx(50.0)
    assert v["share_within_target_surge"] == pytest.approx(100.0)  # the old rule: 50
    assert old_rule_within_target(module, frame[frame["surge"]]) == pytest.approx(50.0)
