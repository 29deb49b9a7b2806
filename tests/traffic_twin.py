"""The loading kernel's rules written plainly in Python: the twin the kernel is matched against.

Deques, one step at a time, every link's budgets refilled each step, both route choices (fixed
paths as the loader gave them, or the next link re-chosen at every node on a route table
recomputed every ``route_update_s`` from the twin's own queues), both link models (the rows
that left a link keep its space until their backward wave has crossed it), the node model
(head rows served in the order of capacity-weighted priority tags) and fixed-time signals (a
signalised link sends only during its green and earns outflow budget only with green time).
Rows that carry their own path (buses, ``veh_path_end > 0``) follow it in either route choice,
arrive at its end and do not run when it crosses a closed link.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from twin.traffic import DynamicLoading, Trips
from twin.traffic.loading_kernel import BUDGET_EPS
from twin.traffic.routing import times_to_destinations


def random_trips(n_nodes: int, n: int, rng: np.random.Generator) -> Trips:
    """``n`` random origin-destination pairs (same-node pairs dropped), departing over 10 min in
    groups of 1-5 vehicles: the congested mixes the kernel-twin tests replay."""
    o, d = rng.integers(0, n_nodes, n), rng.integers(0, n_nodes, n)
    keep = o != d
    m = int(keep.sum())
    return Trips.from_arrays(o[keep], d[keep], rng.uniform(0, 600, m), rng.integers(1, 6, m))


def green_time(x: float, cycle: float, start: float, green: float) -> float:
    """Green seconds of a signal up to ``x`` (``x`` without a signal)."""
    if cycle <= 0:
        return x
    n = math.floor((x - start) / cycle)
    return n * green + min((x - start) - n * cycle, green)


def green_now(t: float, cycle: float, start: float, green: float) -> bool:
    """Whether a link with this signal (cycle 0: none) may discharge at ``t``."""
    return cycle <= 0 or (t - start) - math.floor((t - start) / cycle) * cycle < green


def noise_factor(row: int, link: int, noise: float) -> float:
    """The per-(row, link) route cost multiplier (Python integers: the low bits of the product
    are those of numba's wrapping int64 product)."""
    h = (int(row) * 73856093) ^ (int(link) * 19349663)
    h = (h ^ (h >> 13)) * 1274126177
    return 1.0 + noise * ((h & 1023) / 1024.0)


def choose(out_start: list, link_to: list, node: int, dest: int, row: int, times: list, dist: list,
           noise: float) -> int:
    """The outgoing link that brings ``row`` strictly closer to ``dest`` at the least noisy cost
    (``dist[dest][node]``: time from node to destination)."""
    best, best_cost = -1, np.inf
    for link in range(out_start[node], out_start[node + 1]):
        rest = dist[dest][link_to[link]]
        if not math.isfinite(times[link]) or not rest < dist[dest][node]:
            continue
        cost = (times[link] + rest) * noise_factor(row, link, noise)
        if cost < best_cost:
            best, best_cost = link, cost
    return best


def reference_loading(load: DynamicLoading, until_s: float, equal_shares: bool = False
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run the rules from time 0 to ``until_s`` on ``load``'s inputs: (arrival per row, exits per
    link, node each row arrived at (-1: not arrived)).

    ``load`` supplies only inputs (network, rows, settings, capacities, storage, wave times,
    signals and, for fixed routes, the paths it gave the rows); its state is not read.
    ``equal_shares`` swaps the node model's capacity-proportional priorities for equal ones (the
    round-robin of the kernel before issue 12: a vehicle each in turn), a wrong model for tests.
    """
    net, s = load.network, load.settings
    dt, cap, m = s.time_step_s, load.capacity_vps, net.n_links
    enroute = s.route_choice == "enroute"
    biggest = max(s.platoon, max(load.veh_size.tolist(), default=0))  # budgets always pass a row
    ceiling = cap * dt + biggest
    rate = load.signals.discharge_vph(cap * 3600.0) / 3600.0  # outflow: saturation flow at signals
    out_ceiling = rate * dt + biggest
    sig = load.signals
    tag, clock = np.zeros(m), np.zeros(net.n_nodes)
    starts, links = load.paths()
    own = (load.veh_path_end > 0).tolist()  # rows with their own path (and the path's end in starts)
    queue = [deque() for _ in range(m)]
    rows_at = [0] * net.n_nodes  # rows on each node's incoming links
    ghosts = [deque() for _ in range(m)]  # (time its space frees, vehicles) of rows that left
    occ, ghost = np.zeros(m), np.zeros(m)
    out_b, in_b = np.zeros(m), np.zeros(m)
    size_of = load.veh_size.tolist()
    dest_idx = load.veh_dest_idx.tolist()
    out_start, link_to = net.out_start.tolist(), net.link_to.tolist()
    incoming = [net.in_links[net.in_start[v] : net.in_start[v + 1]].tolist() for v in range(net.n_nodes)]
    ready, pos = np.zeros(load.n_rows), starts[:-1].copy()
    arrive = np.full(load.n_rows, np.nan)
    end_node = np.full(load.n_rows, -1, dtype=np.int64)
    exits = np.zeros(m)
    order = list(np.argsort(load.veh_depart, kind="stable"))
    waiting: list[int] = []
    times = dist = None
    next_update = 0.0

    def fits(link, size, t):
        while ghosts[link] and ghosts[link][0][0] <= t:
            ghost[link] -= ghosts[link].popleft()[1]
        load_veh = occ[link] + ghost[link]
        return in_b[link] >= size - BUDGET_EPS and (load_veh <= 0 or load_veh + size <= load.storage[link])

    def enter(link, row, size, at):
        queue[link].append(row)
        rows_at[link_to[link]] += 1
        in_b[link] -= size
        occ[link] += size
        ready[row] = at + load.fft[link]

    for step in range(int(round(until_s / dt))):
        t = step * dt
        mid = t - 0.5 * dt  # a step covers (t - dt, t]; rows held from before move at its midpoint
        if t >= next_update - 1e-9:  # route table on the current queues
            queued = np.zeros(m)
            for link in range(m):
                for row in queue[link]:
                    if ready[row] > t:
                        break
                    queued[link] += size_of[row]
            times = load.fft + sig.red_delay_s + queued / (rate * sig.green_share)
            dist = times_to_destinations(net, times, load.dest_nodes, load.dest_start)
            times, dist = times.tolist(), dist.tolist()
            next_update = t + s.route_update_s
        for link in range(m):
            c, g0, g = sig.cycle_s[link], sig.start_s[link], sig.green_s[link]
            gained = green_time(t, c, g0, g) - green_time(t - dt, c, g0, g) if c > 0 else dt
            out_b[link] = min(out_b[link] + rate[link] * gained, out_ceiling[link])
        in_b[:] = np.minimum(in_b + cap * dt, ceiling)
        while order and load.veh_depart[order[0]] <= t:
            row = order.pop(0)
            if own[row]:
                if not load.closed[links[starts[row] : starts[row + 1]]].any():
                    waiting.append(row)
            elif np.isfinite(dist[dest_idx[row]][load.veh_origin[row]]):
                waiting.append(row)

        for node in range(net.n_nodes):
            if rows_at[node] == 0:
                continue
            blocked: set[int] = set()
            while True:
                ready_links = [link for link in incoming[node] if link not in blocked and queue[link]
                               and ready[queue[link][0]] <= t]
                if not ready_links:
                    break
                keys = [max(tag[link], clock[node]) for link in ready_links]
                link = ready_links[int(np.argmin(keys))]  # the first of equal keys
                key = min(keys)
                blocked.add(link)
                if not green_now(mid, sig.cycle_s[link], sig.start_s[link], sig.green_s[link]):
                    continue
                row = queue[link][0]
                size = size_of[row]
                if out_b[link] < size - BUDGET_EPS:
                    continue
                # the end of its own path, else its destination node or a zone connector
                last = pos[row] + 1 >= starts[row + 1] if own[row] else dist[dest_idx[row]][node] == 0
                if last:
                    nxt = -1
                elif enroute and not own[row]:
                    nxt = choose(out_start, link_to, node, dest_idx[row], row, times, dist, s.route_noise)
                else:
                    nxt = links[pos[row] + 1]
                if not last and (nxt < 0 or not fits(nxt, size, t)):
                    continue
                blocked.discard(link)
                clock[node] = key
                tag[link] = key + size / (1.0 if equal_shares else rate[link])
                queue[link].popleft()
                rows_at[node] -= 1
                out_b[link] -= size
                occ[link] -= size
                exits[link] += size
                at = ready[row] if ready[row] > t - dt else mid  # exact if it got there in this step
                if load.wave_time_s[link] > 0:
                    ghosts[link].append((at + load.wave_time_s[link], size))
                    ghost[link] += size
                if last:
                    arrive[row] = at
                    end_node[row] = node
                else:
                    enter(nxt, row, size, at)
                    pos[row] += 1
        still = []
        for row in waiting:
            origin, size = load.veh_origin[row], size_of[row]
            if not own[row] and dist[dest_idx[row]][origin] == 0:
                arrive[row] = load.veh_depart[row]
                end_node[row] = origin
                continue
            if enroute and not own[row]:
                link = choose(out_start, link_to, origin, dest_idx[row], row, times, dist, s.route_noise)
            else:
                link = links[pos[row]]
            if link >= 0 and fits(link, size, t):  # at its departure if that was in this step
                enter(link, row, size, load.veh_depart[row] if load.veh_depart[row] > t - dt else mid)
            else:
                still.append(row)
        waiting = still
    return arrive, exits, end_node
