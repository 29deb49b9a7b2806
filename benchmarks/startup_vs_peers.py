"""Whole processes side by side: ``twin traffic simulate|assign`` vs UXsim's C++ engine and AequilibraE.

What a user waits for, start to end: interpreter start, imports, reading the inputs, (loading
compiled kernels from numba's cache), the run and the report. Each case is a fresh process timed
by wall clock; the cases are interleaved, each run once untimed first (to fill numba's cache,
Python's bytecode cache and the file cache), then ``--repeat`` times; min and median are reported
with the load average.

- Grid: data/traffic_grid, 10x10 nodes, 50,000 vehicles; ``twin traffic simulate`` with its
  defaults (1 s step, platoons of 5, en-route choice, 7,200 s horizon) against UXsim 1.15.1 with
  ``cpp=True`` set up as benchmarks/traffic_grid_vs_uxsim.py does (deltan 5, reaction time 1 s).
- Sioux Falls: data/tntp/SiouxFalls; ``twin traffic assign`` (bi-conjugate Frank-Wolfe) against
  AequilibraE 1.7.2's bi-conjugate Frank-Wolfe, both to relative gap 1e-4 and 1e-5, AequilibraE
  built in memory from the TNTP files with pandas (no project database).

Run: ``python benchmarks/startup_vs_peers.py [--repeat 10]`` (needs the ``peers`` extra). The
script runs itself with ``--peer`` for the peers' processes, which import no CityTwin engine.
``--floor`` times instead the start-up twin's traffic commands cannot avoid (:data:`FLOOR`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GRID = ROOT / "data" / "traffic_grid"
SIOUX = ROOT / "data" / "tntp" / "SiouxFalls"


def run_aequilibrae(gap: float) -> dict:
    """AequilibraE's bi-conjugate Frank-Wolfe on Sioux Falls to ``gap``, as its users set it up."""
    import numpy as np
    import pandas as pd

    from twin.extras import require_extra

    require_extra("aequilibrae", "peers", "benchmarks/startup_vs_peers.py")
    from aequilibrae.matrix import AequilibraeMatrix
    from aequilibrae.paths import Graph, TrafficAssignment, TrafficClass

    net = pd.read_csv(SIOUX / "SiouxFalls_net.tntp", skiprows=8, sep="\t")
    net.columns = [c.strip().lower() for c in net.columns]
    net = net[["init_node", "term_node", "capacity", "free_flow_time", "b", "power"]].rename(
        columns={"init_node": "a_node", "term_node": "b_node"})
    net["link_id"] = np.arange(1, len(net) + 1)
    net["direction"] = 1
    zones = 24
    demand = np.zeros((zones, zones))
    origin = None
    for line in (SIOUX / "SiouxFalls_trips.tntp").read_text().splitlines():
        if line.startswith("Origin"):
            origin = int(line.split()[1]) - 1
        elif origin is not None:
            for item in line.split(";"):
                if ":" in item:
                    destination, trips = item.split(":")
                    demand[origin, int(destination) - 1] = float(trips)
    graph = Graph()
    graph.network = net
    graph.prepare_graph(np.arange(1, zones + 1))
    graph.set_graph("free_flow_time")
    graph.set_skimming(["free_flow_time"])
    graph.set_blocked_centroid_flows(False)  # Sioux Falls' zones are also through nodes
    matrix = AequilibraeMatrix()
    matrix.create_empty(zones=zones, matrix_names=["matrix"], memory_only=True)
    matrix.index = np.arange(1, zones + 1)
    matrix.matrices[:, :, 0] = demand
    matrix.computational_view(["matrix"])
    assignment = TrafficAssignment()
    assignment.set_classes([TrafficClass("car", graph, matrix)])
    assignment.set_vdf("BPR")
    assignment.set_vdf_parameters({"alpha": "b", "beta": "power"})
    assignment.set_capacity_field("capacity")
    assignment.set_time_field("free_flow_time")
    assignment.set_algorithm("bfw")
    assignment.max_iter = 20_000
    assignment.rgap_target = gap
    assignment.execute()
    report = pd.DataFrame(assignment.assignment.convergence_report)
    return {"iterations": int(report.iteration.max()), "relative_gap": float(report.rgap.iloc[-1])}


def peer_main(peer: str, case: str) -> None:
    """One peer's whole process: run the case and print its result as JSON."""
    if peer == "uxsim":
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from traffic_grid_vs_uxsim import run_uxsim

        result = run_uxsim(case, cpp=True)
        print(json.dumps({k: result[k] for k in ("completed", "mean_travel_time_s")}))
    else:
        print(json.dumps(run_aequilibrae(float(case))))


def twin_command() -> list[str]:
    """The ``twin`` console script of this interpreter's environment (else ``python -m twin.cli``)."""
    script = Path(sys.executable).parent / "twin"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "twin.cli"]


def cases() -> list[tuple[str, str, list[str]]]:
    """(pair, label, argv) of every whole process compared; the first of each pair is twin's."""
    me = [sys.executable, str(Path(__file__).resolve()), "--peer"]
    grid = ["--nodes", str(GRID / "grid10x10_nodes.csv"), "--links", str(GRID / "grid10x10_links.csv"),
            "--trips", str(GRID / "demand_grid10x10_50k_seed1.csv")]
    rows = [("grid 50k", "twin traffic simulate", [*twin_command(), "traffic", "simulate", *grid, "--json"]),
            ("grid 50k", "UXsim 1.15.1 C++", [*me, "uxsim", "50k"])]
    for gap in ("1e-4", "1e-5"):
        rows.append((f"Sioux Falls {gap}", "twin traffic assign",
                     [*twin_command(), "traffic", "assign", str(SIOUX / "SiouxFalls_net.tntp"),
                      str(SIOUX / "SiouxFalls_trips.tntp"), "--gap", gap, "--json"]))
        rows.append((f"Sioux Falls {gap}", "AequilibraE 1.7.2 BFW", [*me, "aequilibrae", gap]))
    return rows


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
"""The processes' environment: Python caches bytecode as on any installation (the peers' packages
hold theirs from pip; twin's sources get theirs on the untimed first run), whatever this shell sets."""


FLOOR = {
    "python -c pass": "pass",
    "import numpy": "import numpy",
    "import numba": "import numba",
    "import numba + the target-context refresh of the first cache load":
        "import numba\nfrom numba.core.registry import cpu_target\ncpu_target.target_context.refresh()",
    "... + import scipy.sparse.csgraph (RoadNetwork)":
        "import numba\nfrom numba.core.registry import cpu_target\ncpu_target.target_context.refresh()\n"
        "import scipy.sparse.csgraph",
}
"""Fresh processes doing only what every ``twin traffic`` command does before its own work."""


def floor(repeat: int) -> None:
    """Print min and median wall seconds of each :data:`FLOOR` process (interleaved)."""
    times: dict[str, list[float]] = {label: [] for label in FLOOR}
    for _ in range(repeat):
        for label, code in FLOOR.items():
            times[label].append(timed([sys.executable, "-c", f"{code}\nprint('{{}}')"])[0])
    print(f"load average after {os.getloadavg()[0]:.2f}; {repeat} runs each\n")
    print("| process | min s | median s |\n|---|---|---|")
    for label, values in times.items():
        print(f"| {label} | {min(values):.2f} | {statistics.median(values):.2f} |")


def timed(argv: list[str]) -> tuple[float, str]:
    """Wall seconds of one whole process, and the last line it printed."""
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=ENV)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr[-2000:]}")
    return seconds, done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--peer", nargs=2, metavar=("PEER", "CASE"), help=argparse.SUPPRESS)
    parser.add_argument("--floor", action="store_true", help="time the unavoidable start-up instead")
    args = parser.parse_args()
    if args.peer:
        peer_main(*args.peer)
        return
    if args.floor:
        floor(args.repeat)
        return
    rows = cases()
    load_before = os.getloadavg()
    outputs = {label + pair: timed(argv)[1] for pair, label, argv in rows}  # untimed first runs
    times: dict[str, list[float]] = {label + pair: [] for pair, label, _ in rows}
    for _ in range(args.repeat):
        for pair, label, argv in rows:
            times[label + pair].append(timed(argv)[0])
    load_after = os.getloadavg()
    print(f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
          f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}; {os.cpu_count()} CPUs; "
          f"{args.repeat} runs each, interleaved\n")
    print("| case | whole process | min s | median s | peer / twin (min, median) | result |")
    print("|---|---|---|---|---|---|")
    for i in range(0, len(rows), 2):
        ours_key, peer_key = (rows[i][1] + rows[i][0]), (rows[i + 1][1] + rows[i + 1][0])
        for key, (pair, label, _) in ((ours_key, rows[i]), (peer_key, rows[i + 1])):
            best, median = min(times[key]), statistics.median(times[key])
            ratio = "" if key == ours_key else (
                f"{best / min(times[ours_key]):.1f}x, {median / statistics.median(times[ours_key]):.1f}x")
            print(f"| {pair} | {label} | {best:.2f} | {median:.2f} | {ratio} | `{_brief(outputs[key])}` |")


def _brief(line: str) -> str:
    """The figures of a result line that show both sides solved the same case."""
    data = json.loads(line)
    keys = ("completed", "mean_travel_time_s", "iterations", "relative_gap")
    return ", ".join(f"{k} {data[k]:.4g}" if isinstance(data[k], float) else f"{k} {data[k]}"
                     for k in keys if k in data)


if __name__ == "__main__":
    main()
