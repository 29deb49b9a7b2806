"""Observed data: ``twin observe`` on a testville run, read back by the validating readers."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz_readers import FUZZ, content, handled, write

from twin.errors import TwinInputError
from twin.observations import observe, read_kind, read_observations, reference_of
from twin.observations.formats import FORMATS

ROOT = Path(__file__).resolve().parents[1]
EXACT = {kind: 0.0 for kind in FORMATS}
EVERYTHING = {kind: 1.0 for kind in FORMATS}


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    """testville_quick written to a run folder (its trip_times record each trip's origin node and
    destination zone, so that probes can be drawn)."""
    from twin import load_scenario, run

    out = tmp_path_factory.mktemp("obs") / "run"
    run(load_scenario(ROOT / "scenarios" / "testville_quick.toml"), out, progress=False, picture=False)
    return out


@pytest.fixture(scope="module")
def exact(run_folder, tmp_path_factory) -> tuple[Path, dict[str, pd.DataFrame]]:
    """Every kind observed in full without noise, and read back."""
    out = tmp_path_factory.mktemp("exact") / "obs"
    observe(run_folder, out, sample=EVERYTHING, noise=EXACT, seed=1)
    return out, read_observations(out, reference_of(run_folder))


def test_every_kind_is_written_and_reads_back(exact):
    out, tables = exact
    assert set(tables) == set(FORMATS)
    assert sorted(p.name for p in out.iterdir()) == sorted([f"{k}.csv" for k in FORMATS] + ["observe.json"])
    for kind, frame in tables.items():
        assert len(frame) > 0, kind
        assert set(FORMATS[kind].key) <= set(frame.columns)


def test_exact_counts_equal_the_runs_link_counts(run_folder, exact):
    series = pd.read_parquet(run_folder / "timeseries" / "link_timeseries.parquet")
    series = series[series.link < 492]
    series = series.assign(vehicles=series.flow_vph * 900.0 / 3600.0)
    truth = series.set_index(["link", "year", "time_s"]).vehicles
    counts = exact[1]["counts"]
    assert len(counts) == 492 * 24 * 2  # every city link, 24 quarter hours, 2 years
    got = counts.set_index(["link", "year", "start_s"]).vehicles
    assert np.array_equal(got.reindex(truth.index).to_numpy(), truth.to_numpy())
    assert got.sum() == pytest.approx(truth.sum(), rel=1e-12)  # and zero where the run has no row
    assert (counts.end_s - counts.start_s).max() == 900.0


def test_exact_kinds_equal_the_run(run_folder, exact):
    tables = exact[1]
    pop = pd.read_parquet(run_folder / "timeseries" / "zone_population.parquet")
    got = tables["population"].set_index(["year", "zone_index"]).residents
    keys = list(zip(pop.year, pop.zone, strict=True))
    assert np.array_equal(got.loc[keys].to_numpy(), pop.population.to_numpy())
    movers = tables["population"].set_index(["year", "zone_index"]).movers  # households moved in
    assert np.array_equal(movers.loc[keys].to_numpy(), pop.movers_in.to_numpy()) and pop.movers_in.sum() > 0
    daily = pd.read_parquet(run_folder / "timeseries" / "waste_daily.parquet")
    assert tables["weighbridge"].tonnes.sum() == pytest.approx(daily.collected_g.sum() / 1e6)
    incidents = pd.read_parquet(run_folder / "state" / "incidents.parquet")
    assert len(tables["incidents"]) == len(incidents)
    assert np.allclose(tables["incidents"].x, incidents.x)
    assert (tables["incidents"].zone_index == incidents.zone).all()
    trips = pd.read_parquet(run_folder / "timeseries" / "trip_times.parquet")
    assert len(tables["travel_times"]) == len(trips)
    assert np.allclose(np.sort(tables["travel_times"].minutes), np.sort(trips.travel_time_s / 60.0))
    probes = tables["travel_times"].sort_values(["depart_h", "minutes"]).reset_index(drop=True)
    trips = trips.assign(depart_h=trips.depart_s / 3600.0, minutes=trips.travel_time_s / 60.0)
    trips = trips.sort_values(["depart_h", "minutes"]).reset_index(drop=True)
    assert (probes.origin.to_numpy() == trips.origin.to_numpy()).all()
    assert (probes.destination.to_numpy() == trips.destination.to_numpy()).all()  # the node it arrived at


def test_same_run_and_seed_give_identical_files(run_folder, tmp_path):
    for name in ("a", "b", "c"):
        observe(run_folder, tmp_path / name, seed=7 if name != "c" else 8)
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "b").iterdir())
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert (tmp_path / "a" / "counts.csv").read_bytes() != (tmp_path / "c" / "counts.csv").read_bytes()


def test_sampling_and_poisson_noise(run_folder, tmp_path, exact):
    tables = observe(run_folder, tmp_path / "o", sample={"counts": 0.1}, seed=3)
    counts = tables["counts"]
    assert counts.link.nunique() == 49  # 10 % of 492 links
    assert (counts.vehicles == np.floor(counts.vehicles)).all()  # Poisson counts are whole
    truth = exact[1]["counts"].set_index(["link", "year", "start_s"]).vehicles
    true = truth.loc[list(zip(counts.link, counts.year, counts.start_s, strict=True))].to_numpy()
    assert counts.vehicles.sum() == pytest.approx(true.sum(), rel=0.1)
    assert not np.array_equal(counts.vehicles.to_numpy(), true)


def test_ids_outside_the_city_fail(exact, run_folder, tmp_path):
    counts = exact[1]["counts"].head(5).copy()
    counts.loc[counts.index[2], "link"] = 492  # one past the city's links
    path = tmp_path / "counts.parquet"
    counts.to_parquet(path, index=False)
    message = r"counts.parquet, row 3: link 492 is not in the city .* \(links 0..491\)"
    with pytest.raises(TwinInputError, match=message):
        read_kind(path, "counts", reference_of(run_folder))


def test_a_bin_of_another_stream_fails(exact, run_folder, tmp_path):
    fill = exact[1]["waste_fill"].head(3)[["bin", "stream", "year", "time_s", "fill"]].copy()
    fill.loc[fill.index[1], "stream"] = "hazardous" if fill.stream.iloc[1] != "hazardous" else "kitchen"
    fill.to_csv(tmp_path / "waste_fill.csv", index=False)
    with pytest.raises(TwinInputError, match=r"waste_fill.csv, line 3: bin \d+ holds"):
        read_observations(tmp_path, reference_of(run_folder))
    fill.loc[fill.index[1], "bin"] = 10_000
    fill.to_csv(tmp_path / "waste_fill.csv", index=False)
    with pytest.raises(TwinInputError, match=r"bin 10000 is not in the run"):
        read_observations(tmp_path, reference_of(run_folder))


def test_links_by_node_pair_and_points_by_coordinates(testville, tmp_path):
    net = testville.network
    ref = reference_of(ROOT / "scenarios" / "testville_quick.toml")
    (tmp_path / "counts.csv").write_text(
        f"from,to,year,start_s,end_s,vehicles\n{net.link_from[7]},{net.link_to[7]},2025,0,900,4\n")
    x, y = net.node_x[12] + 3.0, net.node_y[12] - 2.0
    (tmp_path / "travel_times.csv").write_text(
        "origin_x,origin_y,destination_x,destination_y,year,depart_h,minutes,source\n"
        f"{x},{y},{net.node_x[40]},{net.node_y[40]},2026,1.5,9.5,survey\n")
    (tmp_path / "incidents.csv").write_text("year,time_s,zone,type\n2025,100,old_town-002,fire\n")
    tables = read_observations(tmp_path, ref)
    assert tables["counts"].link.tolist() == [7]
    assert tables["travel_times"][["origin", "destination"]].values.tolist() == [[12, 40]]
    assert tables["incidents"].zone_index.tolist() == [1] and tables["incidents"].response_min.isna().all()


def test_the_example_files_read(tmp_path):
    """data/observed/examples: one small file per kind, checked against testville_quick."""
    tables = read_observations(ROOT / "data" / "observed" / "examples",
                               reference_of(ROOT / "scenarios" / "testville_quick.toml"))
    assert set(tables) == set(FORMATS)


def test_observe_refuses_and_keeps_an_existing_folder(run_folder, tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "keep.txt").write_text("earlier")
    with pytest.raises(TwinInputError, match="pass --force"):
        observe(run_folder, out)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    shutil.rmtree(out)


def test_the_docs_name_every_column():
    text = (ROOT / "docs" / "observations.md").read_text()
    for kind, fmt in FORMATS.items():
        assert f"### {kind}" in text or f"and {kind}:" in text or f"### waste_fill and {kind}" in text, kind
        for name in fmt.names:
            assert f"`{name}`" in text, (kind, name)


def test_counts_over_a_links_capacity_are_warned_about(exact, run_folder, tmp_path):
    """A detector keyed to the wrong link shows when the link cannot carry its count; the truth
    itself (every link, no noise) never does."""
    ref = reference_of(run_folder)
    counts = exact[1]["counts"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_kind(exact[0] / "counts.csv", "counts", ref)
    swapped = counts.head(3)[["link", "year", "start_s", "end_s", "vehicles"]].copy()
    link = int(swapped.link.iloc[1])
    swapped.loc[swapped.index[1], "vehicles"] = 2 * ref.link_capacity_vph[link] * 0.25  # two capacities
    swapped.to_csv(tmp_path / "counts.csv", index=False)
    with pytest.warns(UserWarning, match=rf"counts.csv, line 3: .* capacity of link {link} .* 1 such rows"):
        read_kind(tmp_path / "counts.csv", "counts", ref)


def test_observe_honours_the_umask_and_keeps_the_old_folder_on_a_full_disk(run_folder, tmp_path, monkeypatch):
    import errno
    import os

    out = tmp_path / "o"
    old = os.umask(0o027)
    try:
        observe(run_folder, out, seed=2)
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o750
    assert {p.stat().st_mode & 0o777 for p in out.iterdir()} == {0o640}
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", full_disk)
    with pytest.raises(TwinInputError, match="cannot write: No space left on device"):
        observe(run_folder, out, seed=3, force=True)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["o"]  # no temporary folder left


def test_detectors_of_a_counts_file(run_folder, tmp_path):
    """--detectors: counts on the links of a real city's counts file (here the example's)."""
    example = ROOT / "data" / "observed" / "examples" / "counts.csv"
    tables = observe(run_folder, tmp_path / "o", detectors=example, seed=1)
    assert sorted(tables["counts"].link.unique()) == sorted(pd.read_csv(example).link.unique())


def test_parquet_files_read_back_the_same(run_folder, tmp_path):
    as_csv = observe(run_folder, tmp_path / "c", seed=4)
    observe(run_folder, tmp_path / "p", seed=4, file_format="parquet")
    written = sorted(p.name for p in (tmp_path / "p").glob("*.parquet"))
    assert written == sorted(f"{k}.parquet" for k in as_csv)
    ref = reference_of(run_folder)
    for kind, got in read_observations(tmp_path / "p", ref).items():
        want = read_kind(tmp_path / "c" / f"{kind}.csv", kind, ref)
        pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12)


EXAMPLES = {kind: (ROOT / "data" / "observed" / "examples" / f"{kind}.csv").read_text() for kind in FORMATS}


@pytest.fixture(scope="module")
def testville_reference():
    return reference_of(ROOT / "scenarios" / "testville_quick.toml")


@FUZZ
@given(kind=st.sampled_from(sorted(EXAMPLES)), data=st.data())
def test_fuzzed_observation_files_end_in_a_table_or_one_line(testville_reference, tmp_path_factory, kind,
                                                              data):
    """An example file with tokens replaced, lines dropped or cut, or random text or bytes: a
    table or one TwinInputError line (hypothesis, derandomized: tests/test_fuzz_readers.py)."""
    path = write(tmp_path_factory.getbasetemp() / f"{kind}.csv", data.draw(content(EXAMPLES[kind])))
    frame = handled(read_kind, path, kind, testville_reference)
    if frame is not None:
        assert set(FORMATS[kind].key) <= set(frame.columns)
