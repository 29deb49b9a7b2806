"""Rows for the scenario validator: what `twin validate` must refuse so that `twin run` never crashes.

Each bad scenario is scenarios/testville_quick.toml with one change (or a short file of its
own); most rows run ``twin validate`` and the same file through ``twin run``: both must give
the same one line, and the run must write nothing. A few mistakes can only be seen once the
city or the modules' indicators are known; those rows run ``twin run`` and expect one line
naming the key, with nothing written.
"""

from __future__ import annotations

from badinput import ROOT, Case

QUICK = (ROOT / "scenarios" / "testville_quick.toml").read_text()

SMALL = """[scenario]
name = "small"
city = "testville"
horizon_years = 1
period_days = 0.05

[output]
picture = false
"""
"""A scenario that runs in about a second: add a module section to it."""


def quick(section: str, old: str, new: str) -> str:
    """testville_quick.toml with ``old`` replaced by ``new`` inside ``[section]`` (or appended)."""
    head, _, rest = QUICK.partition(f"[{section}]\n")
    assert rest, section
    if old:
        assert old in rest, old
        return head + f"[{section}]\n" + rest.replace(old, new, 1)
    return head + f"[{section}]\n{new}\n" + rest


def pair(name: str, text: str, message: str) -> list[Case]:
    """`twin validate` and `twin run` of the same bad file: one line each, nothing written."""
    files = {"s.toml": text}
    return [
        Case(f"scenario-validate-{name}", ("validate", "s.toml"), message, files=files),
        Case(f"scenario-run-{name}", ("run", "s.toml", "--out", "out", "--quiet", "--no-picture"),
             message, files=files),
    ]


BAD = [
    # the three measured crashes of issue 18
    ("emergency-types-empty", quick("emergency", "", "types = {}"),
     "key 'emergency': types is empty: give at least one incident type"),
    ("no-module-section", "[scenario]\nname = \"x\"\ncity = \"testville\"\n",
     "no module is switched on; add a section for at least one of [migration]"),
    ("every-module-disabled", "[scenario]\nname = \"x\"\n[access]\nenabled = false\n",
     "no module is switched on"),
    ("construction-1e300", quick("migration", "", "construction = { new_town = 1e300 }"),
     "key 'migration.construction.new_town': must be finite and at most 1e+15"),
    ("construction-1e15", quick("migration", "", "construction = { new_town = 1e15 }"),
     "key 'migration.construction.new_town': must be >= 0 and <= 100000 dwellings/year"),
    ("new-jobs-huge", quick("migration", "", "new_jobs = { new_town = 1e12 }"),
     "key 'migration.new_jobs.new_town': must be >= 0 and <= 1000000 jobs/year"),
    ("amenity-huge", quick("migration", "", "amenity = { new_town = 1e9 }"),
     "key 'migration.amenity.new_town': must be >= -20 and <= 20"),
    # NaN and infinity (TOML allows nan and inf), wherever a number is declared
    ("nan", quick("migration", "in_rate = 0.02", "in_rate = nan"),
     "key 'migration.in_rate': must be finite"),
    ("inf", quick("access", "threshold_min = 5.0", "threshold_min = inf"),
     "key 'access.threshold_min': must be finite"),
    ("minus-inf-in-a-list", quick("traffic", "", "hourly_profile = [-inf, 1.0]"),
     "key 'traffic.hourly_profile[0]': must be finite"),
    ("nan-in-a-table", quick("emergency", "rate_scale = 10.0",
                             "rate_scale = 10.0\ntypes = { medical = { rate_per_1000 = nan } }"),
     "key 'emergency.types.medical.rate_per_1000': must be finite"),
    ("nan-weight", quick("access", "", "") + "\n[indicators]\nweights = { traffic = nan }\n",
     "key 'indicators.weights.traffic': must be finite"),
    # integers are integers, and numbers have a size
    ("integer-2.5", quick("scenario", "seed = 1", "seed = 2.5"),
     "key 'scenario.seed': expected an integer, got 2.5"),
    ("integer-2.0", quick("scenario", "seed = 1", "seed = 2.0"),
     "key 'scenario.seed': expected an integer, got 2.0"),
    ("integer-huge", quick("scenario", "seed = 1", "seed = " + "9" * 40),
     "key 'scenario.seed': must be finite and at most 1e+15 in size, got an integer of 40 digits"),
    ("platoon-float", quick("traffic", "platoon = 5", "platoon = 5.5"),
     "key 'traffic.platoon': expected an integer, got 5.5"),
    ("replicate-huge", quick("scenario", "seed = 1", "seed = 1\nreplicate = 10000000000"),
     "key 'scenario.replicate': must be >= 0 and <= 1000000"),
    # counts and rates that made a run allocate without end or overflow
    ("units-per-station-huge", quick("emergency", "ambulance = 2", "ambulance = 1000000000000"),
     "key 'emergency.units_per_station.ambulance': must be >= 0 and <= 1000"),
    ("incident-rate-huge", quick("emergency", "rate_scale = 10.0", "rate_scale = 1e300"),
     "key 'emergency.rate_scale': must be finite"),
    ("incident-rate-per-1000-huge",
     quick("emergency", "rate_scale = 10.0",
           "rate_scale = 10.0\ntypes = { medical = { rate_per_1000 = 1e6 } }"),
     "key 'emergency.types.medical.rate_per_1000': must be >= 0 and <= 100"),
    ("on-scene-cv-huge",
     quick("emergency", "rate_scale = 10.0",
           "rate_scale = 10.0\ntypes = { medical = { on_scene_cv = 1e9 } }"),
     "key 'emergency.types.medical.on_scene_cv': must be > 0 and <= 10"),
    ("record-interval-tiny", quick("traffic", "platoon = 5", "platoon = 5\nrecord_interval_min = 1e-9"),
     "key 'traffic.record_interval_min': must be >= 1 and <= 240 minutes"),
    ("access-interval-tiny",
     quick("access", "threshold_min = 5.0", "threshold_min = 5.0\ninterval_min = 1e-9"),
     "key 'access.interval_min': must be >= 1 and <= 1440 minutes"),
    ("route-iterations-huge", quick("waste", "route_iterations = 20", "route_iterations = 1000000000000"),
     "key 'waste.route_iterations': must be >= 1 and <= 100000"),
    ("trucks-huge", quick("waste", "", "trucks = { residual = 100000000 }"),
     "key 'waste.trucks.residual': must be >= 0 and <= 1000"),
    ("station-units-huge",
     quick("emergency", "rate_scale = 10.0", "rate_scale = 10.0\nstations = [{ units = 100000 }]"),
     "key 'emergency.stations[0].units': must be >= 1 and <= 1000"),
    # a sample that simulates no vehicle, weights that leave no index, names that name nothing
    ("sample-share-tiny", quick("traffic", "platoon = 5", "platoon = 5\nsample_share = 1e-9"),
     "key 'traffic.sample_share': must be >= 0.01 and <= 1"),
    ("weights-all-zero", QUICK + "\n[indicators]\nweights = { traffic = 0, services = 0, waste = 0, "
     "emergency = 0, migration = 0 }\n",
     "key 'indicators.weights': every domain that runs (emergency, migration, services, traffic, "
     "waste) has weight 0"),
    ("weights-unknown-domain", QUICK + "\n[indicators]\nweights = { trafic = 2.0 }\n",
     "key 'indicators.weights.trafic': 'trafic' is not a domain (did you mean 'traffic'?); domains: "),
    ("bounds-unknown-domain", QUICK + "\n[indicators.bounds]\n\"acess.x\" = [0.0, 1.0]\n",
     "key 'indicators.bounds.acess.x': 'acess' is not a domain"),
    ("bounds-not-a-pair", QUICK + "\n[indicators.bounds]\n\"traffic.delay_per_trip\" = [1.0]\n",
     "expected [worst, best]"),
    # the index's indicator system is fixed data (twin/indicators/system.toml): checked at validate
    ("bounds-unknown-indicator",
     QUICK + "\n[indicators.bounds]\n\"services.share_within_spa\" = [0.0, 100.0]\n",
     "key 'indicators.bounds.services.share_within_spa': the services dimension of the index has no "
     "indicator 'share_within_spa'"),
    ("bounds-reversed", QUICK + "\n[indicators.bounds]\n\"traffic.delay_per_trip\" = [0.0, 15.0]\n",
     "key 'indicators.bounds.traffic.delay_per_trip': delay_per_trip is better lower: expected "
     "[worst, best] with worst > best"),
    # wrong types: tables, lists and strings where they do not belong
    ("section-not-a-table", "access = 3\n" + SMALL, "key 'access': expected a table"),
    ("list-for-a-number", quick("access", "threshold_min = 5.0", "threshold_min = [5.0]"),
     "key 'access.threshold_min': expected a number, got list"),
    ("string-for-a-number", quick("traffic", "trip_rate = 0.5", "trip_rate = \"0.5\""),
     "key 'traffic.trip_rate': expected a number, got str"),
    ("table-for-a-list", quick("access", "threshold_min = 5.0", "threshold_min = 5.0\nkinds = {}"),
     "key 'access.kinds': expected a list, got dict"),
    ("number-for-a-table", quick("emergency", "rate_scale = 10.0", "rate_scale = 10.0\ntypes = 3"),
     "key 'emergency.types': expected a table, got int"),
    ("empty-string-choice", quick("waste", "policy = \"sensor\"", "policy = \"\""),
     "key 'waste.policy': '' is not allowed"),
    ("enabled-not-bool", quick("access", "", "enabled = \"yes\""),
     "key 'access.enabled': expected true or false"),
]

RUN_ONLY = [
    # known only once the city or the modules' indicators are: one line at run, nothing written
    Case("scenario-run-sample-share-leaves-no-vehicle",
         ("run", "s.toml", "--out", "out", "--quiet"),
         "key 'traffic.sample_share': 0.01 leaves no simulated vehicle in 2025",
         files={"s.toml": SMALL.replace("0.05", "0.01") + "\n[traffic]\nsample_share = 0.01\n"}),
    Case("scenario-run-lever-names-no-zone", ("run", "s.toml", "--out", "out", "--quiet"),
         "key 'migration.subsidy.atlantis': no district or zone named 'atlantis'",
         files={"s.toml": SMALL + "\n[migration]\nsubsidy = { atlantis = 0.1 }\n"}),
    Case("scenario-run-road-names-no-road", ("run", "s.toml", "--out", "out", "--quiet"),
         "no road named 'Atlantis Avenue'",
         files={"s.toml": SMALL + "\n[traffic]\nclosed_roads = [\"Atlantis Avenue\"]\n"}),
]

CASES = [case for name, text, message in BAD for case in pair(name, text, message)] + RUN_ONLY
