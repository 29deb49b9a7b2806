"""Numba kernels of the mesoscopic dynamic network loading (kinematic-wave links, FIFO rows).

Each link is a FIFO queue of vehicle rows (a row is a platoon of ``veh_size`` vehicles). A row
that enters a link at time ``t`` may leave it from ``t + free-flow time`` (the sending flow of
Newell's kinematic wave model: the upstream cumulative count shifted by the free-flow time); it
then leaves when it is at the head of the queue, the link's outflow budget (capacity x time
step, accumulated) covers it, and the next link can receive it: the vehicles that entered the
next link, plus the row, must not exceed the vehicles that left it one backward-wave time ago
plus its jam storage (``N_up(t) + row <= N_down(t - L / w) + storage``; an empty link always
takes one row), and its inflow budget covers the row. Space freed at a link's head therefore
reaches its tail only after the backward wave has crossed the link (``L / w``, with ``w`` from the
triangular fundamental diagram), so queues and spill-back travel upstream at the wave speed.
The rows that left a link less than ``L / w`` ago stay in its ring behind the head as "ghosts"
(``g_len`` rows, ``ghost`` vehicles, ``g_time`` when each frees its space). With a wave time of
zero the model is the spatial queue: space frees the instant a vehicle leaves.

At a node, the incoming links are served one head row at a time in the order of a per-link
priority tag (start-time fair queueing): the link with the smallest ``max(tag, node clock)`` goes
next, the node clock moves to that value and the link's tag to it plus ``row / capacity``. So
while a receiving link's supply binds, competing inflows share it in proportion to their
capacities (the capacity-proportional priorities of Tampere et al. 2011's general node model,
discretised as in Flotterod and Rohde 2011's incremental node model); a link that sends less than
its share gets all it sends, an idle or blocked link earns no credit (its key catches up with the
clock), and a head row that cannot enter its next link blocks its link for the step (FIFO, which
holds back every turn of a diverge). A link with a fixed-time signal (``sig_cycle > 0``) may
discharge only at steps inside its green window ``[sig_start, sig_start + sig_green)`` modulo
the cycle, and its outflow budget grows only with green time, so it discharges at its saturation
flow ``link_out_vps`` during green: ``saturation x green / cycle`` on average. Elsewhere
``link_out_vps`` is the link's capacity.

Everything is plain arrays; the state lives in :class:`twin.traffic.loading.DynamicLoading`. Times
are seconds, sizes vehicles. Row states in ``veh_link``: ``WAITING`` (not departed or waiting at
its origin to enter its first link), a link index, ``ARRIVED``, ``UNREACHABLE``. A row arrives at
the first node whose time to its destination in ``dist`` is 0: the destination node, or any of
the destination zone's connectors (open links take positive time, so no other node is at 0); a
row that carries its own path (a bus, ``veh_path_end > 0``) follows it in either route choice and
arrives at its end. ``veh_end_node`` keeps the node each row arrived at (its origin for a row
already at its destination).

Time: the step at ``t`` covers ``(t - dt, t]``. A row that departed, or reached its link's end
(``veh_ready``), inside that interval moves at that exact time; a row held over from an earlier
step (waiting behind a queue, a budget, a full next link or a red light) moves at the step's
midpoint ``t - dt / 2``. Those times are what ``veh_enter``, ``veh_ready``, ``veh_arrive``,
``path_enter``, the ghosts' ``g_time`` and the vehicle-seconds record; a row's readiness, room
and budgets are still tested at ``t``, a signal's green at the midpoint, and records are filed
under the interval of ``t``. So a link traversed in free flow takes exactly its free-flow time
and a held move is off by at most half a step either way; taking every move at ``t`` (the rule
before) rounded each traversal and departure up to a whole step.
"""

from __future__ import annotations

import numpy as np
from numba import njit

WAITING = -1
ARRIVED = -2
UNREACHABLE = -3
BUDGET_EPS = 1e-6
"""Budgets this close to a row's size cover it (sums of capacity x time differ in the last bits)."""


@njit(cache=True)
def noise_factor(row, link, noise):
    """A deterministic per-(row, link) cost multiplier in [1, 1 + noise) that breaks ties."""
    h = (row * 73856093) ^ (link * 19349663)
    h = (h ^ (h >> 13)) * 1274126177
    return 1.0 + noise * ((h & 1023) / 1024.0)


@njit(cache=True)
def choose_next_link(node, dest_idx, row, out_start, link_to, link_time, dist, noise):
    """The outgoing link of ``node`` on the way to destination ``dest_idx`` (-1 if none).

    Candidates are links whose head node is strictly closer to the destination in ``dist``
    (times to each destination, per node), so a choice never cycles; among them the smallest
    ``(link time + time to destination) x noise`` wins.
    """
    here = dist[dest_idx, node]
    best = -1
    best_cost = np.inf
    for link in range(out_start[node], out_start[node + 1]):
        t = link_time[link]
        if not np.isfinite(t):
            continue
        rest = dist[dest_idx, link_to[link]]
        if not rest < here:
            continue
        cost = (t + rest) * noise_factor(row, link, noise)
        if cost < best_cost:
            best_cost = cost
            best = link
    return best


@njit(cache=True, inline="always")
def _push(link, row, q_off, q_head, q_len, q_buf):
    cap = q_off[link + 1] - q_off[link]
    q_buf[q_off[link] + (q_head[link] + q_len[link]) % cap] = row
    q_len[link] += 1


@njit(cache=True, inline="always")
def _pop(link, q_off, q_head, q_len):
    cap = q_off[link + 1] - q_off[link]
    q_head[link] = (q_head[link] + 1) % cap
    q_len[link] -= 1


@njit(cache=True, inline="always")
def _leave(link, size, t, link_wave, q_off, q_head, q_len, g_time, g_len, ghost, occ):
    """The head row (``size`` vehicles) leaves ``link`` at ``t``; with a backward-wave time
    its space stays taken (a ghost behind the head) until ``t + link_wave[link]``."""
    if link_wave[link] > 0.0:
        g_time[q_off[link] + q_head[link]] = t + link_wave[link]
        g_len[link] += 1
        ghost[link] += size
    _pop(link, q_off, q_head, q_len)
    occ[link] -= size


@njit(cache=True, inline="always")
def _free_space(link, t, q_off, q_head, q_buf, g_time, g_len, ghost, veh_size):
    """Release the ghosts of ``link`` whose backward wave has reached its tail by ``t``."""
    cap = q_off[link + 1] - q_off[link]
    while g_len[link] > 0:
        slot = q_off[link] + (q_head[link] - g_len[link]) % cap
        if g_time[slot] > t:
            break
        ghost[link] -= veh_size[q_buf[slot]]
        g_len[link] -= 1


@njit(cache=True, inline="always")
def _fits(link, size, t, occ, extra, storage, in_budget, q_off, q_head, q_buf, g_time, g_len, ghost,
          veh_size):
    """Whether a row of ``size`` vehicles may enter ``link`` at ``t`` (room and inflow budget).

    Room: vehicles on the link, plus those that left it less than a backward-wave time ago, plus
    the extra vehicles, plus the row, within the storage: ``N_up(t) + size <= N_down(t - L/w) +
    storage``.
    """
    if in_budget[link] < size - BUDGET_EPS:
        return False
    if g_len[link] > 0:
        _free_space(link, t, q_off, q_head, q_buf, g_time, g_len, ghost, veh_size)
    load = occ[link] + ghost[link] + extra[link]
    return load <= 0.0 or load + size <= storage[link]


@njit(cache=True, inline="always")
def green_time(x, cycle, start, green):
    """Green seconds of a fixed-time signal from its first cycle start at or before 0 up to time
    ``x`` (``x`` itself when ``cycle <= 0``: no signal, always green)."""
    if cycle <= 0.0:
        return x
    y = x - start
    n = np.floor(y / cycle)
    return n * green + min(y - n * cycle, green)


@njit(cache=True, inline="always")
def is_green(link, t, sig_cycle, sig_start, sig_green):
    """Whether ``link`` may discharge at ``t``: no signal, or ``t`` inside its green window."""
    cycle = sig_cycle[link]
    if cycle <= 0.0:
        return True
    y = t - sig_start[link]
    return y - np.floor(y / cycle) * cycle < sig_green[link]


@njit(cache=True, inline="always")
def _refill(link, t, dt, max_size, link_cap_vps, link_out_vps, link_open, out_budget, in_budget, budget_t,
            sig_cycle, sig_start, sig_green):
    """Bring a link's outflow and inflow budgets up to time ``t``: discharge rate (outflow; green
    time only on a signalised link) or capacity (inflow) x elapsed time, each kept to one step's
    worth plus one row (so a platoon can always leave an otherwise idle link)."""
    if budget_t[link] < t:
        cap = link_cap_vps[link] * link_open[link]
        rate = link_out_vps[link] * link_open[link]
        elapsed = t - budget_t[link]
        cycle = sig_cycle[link]
        if cycle > 0.0:
            green = sig_green[link]
            start = sig_start[link]
            before = green_time(budget_t[link], cycle, start, green)
            elapsed_green = green_time(t, cycle, start, green) - before
        else:
            elapsed_green = elapsed
        row = max_size * link_open[link]
        out_budget[link] = min(out_budget[link] + rate * elapsed_green, rate * dt + row)
        in_budget[link] = min(in_budget[link] + cap * elapsed, cap * dt + row)
        budget_t[link] = t


@njit(cache=True, inline="always")
def _enter(link, row, size, t, link_to, link_fft, q_off, q_head, q_len, q_buf, in_budget, occ,
           node_rows, max_occ, veh_link, veh_enter, veh_ready):
    """Row ``row`` (``size`` vehicles) joins the tail of ``link`` at time ``t`` (s; the midpoint of
    the step, or the row's departure, see :func:`run_steps`): it may leave from ``t + fft``."""
    _push(link, row, q_off, q_head, q_len, q_buf)
    in_budget[link] -= size
    occ[link] += size
    node_rows[link_to[link]] += 1
    max_occ[link] = max(max_occ[link], occ[link])
    veh_link[row] = link
    veh_enter[row] = t
    veh_ready[row] = t + link_fft[link]


@njit(cache=True)
def _next_link(
    row, node, enroute, veh_dest_idx, veh_path_pos, veh_path_end, path_buf, out_start, link_to, route_time,
    dist, noise
):
    """The link ``row`` takes after the one it leaves at ``node``: the next link of its path (fixed
    routes, or a row that carries its own path, ``veh_path_end > 0``), else the en-route choice."""
    if enroute and veh_path_end[row] == 0:
        return choose_next_link(node, veh_dest_idx[row], row, out_start, link_to, route_time, dist, noise)
    return path_buf[veh_path_pos[row] + 1]


@njit(cache=True, inline="always")
def _at_end(row, node, veh_dest_idx, veh_path_pos, veh_path_end, dist):
    """Whether ``row`` arrives at ``node``: a row with its own path at the end of it, any other at
    the first node 0 s from its destination (the node or a zone connector)."""
    if veh_path_end[row] > 0:
        return veh_path_pos[row] + 1 >= veh_path_end[row]
    return dist[veh_dest_idx[row], node] == 0.0


@njit(cache=True)
def run_steps(
    t0,
    n_steps,
    dt,
    step_index0,
    enroute,
    noise,
    max_size,
    # network
    out_start,
    link_to,
    in_start,
    in_links,
    link_fft,
    link_storage,
    link_cap_vps,
    link_out_vps,
    link_length,
    link_open,
    link_extra,
    link_wave,
    # node model and signals
    link_tag,
    node_clock,
    link_stamp,
    sig_cycle,
    sig_start,
    sig_green,
    # routing
    route_time,
    dist,
    path_buf,
    # rows
    veh_order,
    veh_origin,
    veh_dest_idx,
    veh_depart,
    veh_size,
    veh_link,
    veh_ready,
    veh_enter,
    veh_arrive,
    veh_end_node,
    veh_path_pos,
    veh_path_end,
    path_enter,
    # link state
    q_off,
    q_head,
    q_len,
    q_buf,
    g_time,
    g_len,
    ghost,
    occ,
    out_budget,
    in_budget,
    budget_t,
    node_rows,
    max_occ,
    # waiting rows
    wait_buf,
    counters,
    # records
    interval_s,
    rec_exits,
    rec_entries,
    rec_time,
    rec_vkm,
):
    """Advance the loading ``n_steps`` steps of ``dt`` seconds from time ``t0``.

    ``counters`` (int64): [0] next row of ``veh_order`` to depart, [1] rows waiting at their
    origin (the head of ``wait_buf``), [2] vehicles departed, [3] vehicles arrived,
    [4] vehicles on links, [5] vehicles waiting at origins, [6] link traversals (rows).
    Records are per (interval, link): vehicles leaving, vehicles entering (the approach's
    arrivals, which a queue does not cap as it caps the outflow), vehicle-seconds the leaving ones
    spent on the link (which, over the interval length, is the mean occupancy) and
    vehicle-kilometres driven.
    ``max_occ`` keeps each link's highest occupancy; ``node_rows`` counts the rows on each
    node's incoming links so that empty nodes are skipped. ``link_wave`` is each link's
    backward-wave time ``L / w`` in seconds (0: the spatial queue); ``g_time``, ``g_len`` and
    ``ghost`` hold the rows that left a link within that time (see :func:`_leave`).
    ``link_tag`` (s) and ``node_clock`` (s) are the priority tags of the node model and
    ``link_stamp`` (int64) marks the links that cannot send in the current step (global step
    index + 1); ``sig_cycle``, ``sig_start`` and ``sig_green`` (s) are each link's fixed-time
    signal (cycle 0: none), ``sig_start`` the cycle time at which its green begins.
    ``veh_path_end`` is 0 for a row routed by ``enroute`` (its path, if fixed, ends where its
    destination is 0 s away) and, for a row that carries its own path (a bus), one past the
    position in ``path_buf`` of its last link: it follows that path in either route choice and
    arrives at its end; ``path_enter`` keeps the time such a row entered the link at each
    position of its path.
    """
    n_nodes = out_start.shape[0] - 1
    n_rows = veh_order.shape[0]
    n_intervals = rec_exits.shape[0]
    for step in range(n_steps):
        t = t0 + step * dt
        mid = t - 0.5 * dt  # the step covers (t - dt, t]: held rows move at its midpoint
        k = min(int(t // interval_s), n_intervals - 1)
        # departures join the waiting rows, in departure order
        while counters[0] < n_rows and veh_depart[veh_order[counters[0]]] <= t:
            row = veh_order[counters[0]]
            counters[0] += 1
            if veh_link[row] == UNREACHABLE:
                continue
            counters[2] += veh_size[row]
            wait_buf[counters[1]] = row
            counters[1] += 1
            counters[5] += veh_size[row]
        # node transfers: head rows in priority-tag order (capacity-proportional shares, FIFO)
        stamp = step_index0 + step + 1
        for node in range(n_nodes):
            if node_rows[node] == 0:
                continue
            first = in_start[node]
            last = in_start[node + 1]
            while True:
                link = -1
                key = np.inf
                for j in range(first, last):
                    cand = in_links[j]
                    if q_len[cand] == 0 or link_stamp[cand] == stamp:
                        continue
                    if veh_ready[q_buf[q_off[cand] + q_head[cand]]] > t:
                        continue
                    cand_key = max(link_tag[cand], node_clock[node])
                    if cand_key < key:
                        key = cand_key
                        link = cand
                if link < 0:
                    break
                # a link that cannot send now cannot later in this step (supplies only shrink)
                link_stamp[link] = stamp
                if not is_green(link, mid, sig_cycle, sig_start, sig_green):
                    continue
                row = q_buf[q_off[link] + q_head[link]]
                size = veh_size[row]
                _refill(link, t, dt, max_size, link_cap_vps, link_out_vps, link_open, out_budget, in_budget,
                        budget_t, sig_cycle, sig_start, sig_green)
                if out_budget[link] < size - BUDGET_EPS:
                    continue
                if _at_end(row, node, veh_dest_idx, veh_path_pos, veh_path_end, dist):
                    nxt = -1
                else:
                    nxt = _next_link(row, node, enroute, veh_dest_idx, veh_path_pos, veh_path_end, path_buf,
                                     out_start, link_to, route_time, dist, noise)
                    if nxt >= 0:
                        _refill(nxt, t, dt, max_size, link_cap_vps, link_out_vps, link_open, out_budget,
                                in_budget, budget_t, sig_cycle, sig_start, sig_green)
                    if nxt < 0 or not _fits(nxt, size, t, occ, link_extra, link_storage, in_budget, q_off,
                                            q_head, q_buf, g_time, g_len, ghost, veh_size):
                        continue
                link_stamp[link] = 0
                node_clock[node] = key
                link_tag[link] = key + size / link_out_vps[link]
                # it leaves when it reached the link's end if that was in this step, else mid-step
                ready = veh_ready[row]
                at = ready if ready > t - dt else mid
                _leave(link, size, at, link_wave, q_off, q_head, q_len, g_time, g_len, ghost, occ)
                out_budget[link] -= size
                node_rows[node] -= 1
                counters[6] += 1
                rec_exits[k, link] += size
                rec_time[k, link] += size * (at - veh_enter[row])
                rec_vkm[k, link] += size * link_length[link] / 1000.0
                if nxt < 0:
                    veh_link[row] = ARRIVED
                    veh_arrive[row] = at
                    veh_end_node[row] = node
                    counters[3] += size
                    counters[4] -= size
                else:
                    _enter(nxt, row, size, at, link_to, link_fft, q_off, q_head, q_len, q_buf, in_budget,
                           occ, node_rows, max_occ, veh_link, veh_enter, veh_ready)
                    rec_entries[k, nxt] += size
                    veh_path_pos[row] += 1
                    if veh_path_end[row] > 0:
                        path_enter[veh_path_pos[row]] = at
        # waiting rows enter their first link (FIFO per link: a blocked link blocks later rows)
        kept = 0
        for i in range(counters[1]):
            row = wait_buf[i]
            size = veh_size[row]
            origin = veh_origin[row]
            own = veh_path_end[row] > 0
            if not own and dist[veh_dest_idx[row], origin] == 0.0:
                veh_link[row] = ARRIVED
                veh_arrive[row] = veh_depart[row]  # already there: arrives as it departs
                veh_end_node[row] = origin
                counters[3] += size
                counters[5] -= size
                continue
            if enroute and not own:
                first_link = choose_next_link(
                    origin, veh_dest_idx[row], row, out_start, link_to, route_time, dist, noise
                )
            else:
                first_link = path_buf[veh_path_pos[row]]
            if first_link >= 0:
                _refill(first_link, t, dt, max_size, link_cap_vps, link_out_vps, link_open, out_budget,
                        in_budget, budget_t, sig_cycle, sig_start, sig_green)
            if first_link >= 0 and _fits(first_link, size, t, occ, link_extra, link_storage, in_budget,
                                         q_off, q_head, q_buf, g_time, g_len, ghost, veh_size):
                # a row that departed in this step enters as it departs, one that waited mid-step
                start = veh_depart[row] if veh_depart[row] > t - dt else mid
                _enter(first_link, row, size, start, link_to, link_fft, q_off, q_head, q_len, q_buf,
                       in_budget, occ, node_rows, max_occ, veh_link, veh_enter, veh_ready)
                rec_entries[k, first_link] += size
                if veh_path_end[row] > 0:
                    path_enter[veh_path_pos[row]] = start
                counters[4] += size
                counters[5] -= size
            else:
                wait_buf[kept] = row
                kept += 1
        counters[1] = kept
    return counters


@njit(cache=True)
def queued_vehicles(t, q_off, q_head, q_len, q_buf, veh_ready, veh_size, out):
    """Vehicles on each link that have run its length by ``t`` and wait to leave (into ``out``)."""
    for link in range(q_len.shape[0]):
        cap = q_off[link + 1] - q_off[link]
        total = 0
        for i in range(q_len[link]):
            row = q_buf[q_off[link] + (q_head[link] + i) % cap]
            if veh_ready[row] > t:
                break
            total += veh_size[row]
        out[link] = total
