"""Sweep a lever against an uncertainty, then compare two policies and find the robust one.

A tiny sweep on the test city (access module only, ~30 ms a run): the access threshold is the
policy lever, the measuring interval an "uncertainty" the model ignores. Run it serially (pass
``workers=2`` for a Dask LocalCluster: same bytes), compare the two policies with paired
intervals, and analyse: the longest threshold must be the most robust policy for the share of
residents near a school.
"""

import tempfile
from pathlib import Path

import twin
from twin.sweep.analyze import analyze
from twin.sweep.compare import compare, format_comparison

ROOT = Path(__file__).resolve().parents[2]

with tempfile.TemporaryDirectory() as tmp:
    sweep_file = Path(tmp) / "sweep.toml"
    sweep_file.write_text(f"""
[sweep]
name = "example"
base = "{ROOT / 'scenarios' / 'sweep_testville_base.toml'}"
design = "latin_hypercube"
samples = 6
levels = 2
replicates = 2

[[levers]]
key = "access.threshold_min"
low = 1.0
high = 5.0

[[uncertainties]]
key = "access.interval_min"
low = 10.0
high = 60.0
""")
    out = Path(tmp) / "sweep"
    results = twin.sweep(sweep_file, out, workers=0)
    runs = results.drop_duplicates("run_id")
    failed = int((runs.status == "error").sum())
    print(f"{len(runs)} runs, {failed} failed; first columns: {list(results.columns[:6])}")

    # point 0 (threshold 1 min, first future) against point 6 (threshold 5 min, the same future)
    comparison = compare(f"{out}@0", f"{out}@6")
    print(format_comparison(comparison).splitlines()[0])
    school = comparison.table.set_index("indicator").loc["share_within_school"]
    print(f"share within a school: {school.mean_a:.1f} % -> {school.mean_b:.1f} %")

    analysis = analyze(out)
    s = analysis.sensitivity.set_index(["indicator", "input"])
    ignored = s.xs("access.interval_min", level="input").pawn_median
    print(f"PAWN of the ignored input: max {ignored.max():.3f}")
    robust = analysis.regret[analysis.regret.most_robust & (analysis.regret.indicator
                                                            == "services.share_within_school")]
    print(f"most robust threshold for schools: {robust.policy.tolist()} min")
    assert school.mean_b >= school.mean_a
    assert robust.policy.tolist() == ["5.0"]
