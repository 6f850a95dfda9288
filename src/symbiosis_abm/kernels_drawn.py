"""Compiled passes that make their phase's random draws themselves (:mod:`.draws`).

Each is a pass of :mod:`.kernels` or :mod:`.kernels_tick` that took numbers numpy had
drawn for it, with the stream (:func:`.draws.stream_address`) in their place: it draws
what the stream's ``Generator`` would have drawn, of the same length, in the same order,
and leaves the stream where that draw would have left it. So a phase that drew, passed
and drew again is one call, without the draws' arrays handed across, and its results are
bit for bit the same (``tests/test_kernels_drawn.py`` checks each against the pass it
wraps with numpy's draws).

Examples
--------
>>> from symbiosis_abm.draws import stream_address
>>> member, firm_open = np.array([True, False, False]), np.array([True, True, False])
>>> a, b = np.random.default_rng(3), np.random.default_rng(3)
>>> recruit_drawn(member, firm_open, stream_address(a), 0.1, 0.8)
>>> numpy_member = np.array([True, False, False])
>>> recruit_members(numpy_member, firm_open, b.random(3), 0.1, 0.8)
>>> member.tolist() == numpy_member.tolist()
True
"""

from __future__ import annotations

import numpy as np

from .compiled import kernel
from .draws import fill_standard_normal, fill_uniform
from .kernels import budgeted_evaluations, discover, recruit_members, talk_deadlines
from .kernels_tick import realised_ratios

__all__ = ["realised_drawn", "recruit_drawn", "deadlines_drawn", "found_and_evaluated"]


@kernel
def realised_drawn(noise, stream_season, need_season, variability, stream_level,
                   stream_made, need_level, firm_open, stream_firm, need_firm, stream_ratio,
                   need_ratio):  # pragma: no cover - compiled
    """:func:`.kernels_tick.realised_ratios` with its normals drawn from the stream
    ``noise``: ``z = noise.standard_normal(len(stream_season))``."""
    z = np.empty(len(stream_season))
    fill_standard_normal(noise, z)
    realised_ratios(stream_season, need_season, z, variability, stream_level, stream_made,
                    need_level, firm_open, stream_firm, need_firm, stream_ratio, need_ratio)


@kernel
def recruit_drawn(member, firm_open, recruitment, join,
                  network_effect):  # pragma: no cover - compiled
    """:func:`.kernels.recruit_members` with its draws from the stream ``recruitment``:
    ``recruitment.random(len(firm_open))``."""
    draws = np.empty(len(firm_open))
    fill_uniform(recruitment, draws)
    recruit_members(member, firm_open, draws, join, network_effect)


@kernel
def deadlines_drawn(rows, breakdowns, failure, opened, due, tick,
                    timeout):  # pragma: no cover - compiled
    """:func:`.kernels.talk_deadlines` with its draws from the stream ``breakdowns``
    (``breakdowns.random(len(rows))``) and its three arrays in one: the rows that break
    down, then those that time out, then those due, and the first two's sizes."""
    u = np.empty(len(rows))
    fill_uniform(breakdowns, u)
    broke, late, ready = talk_deadlines(rows, u, failure, opened, due, tick, timeout)
    return np.concatenate((broke, late, ready)), len(broke), len(late)


@kernel
def found_and_evaluated(edges, discovery, search, slot_sr, slot_rs, aware, chance,
                        supplier, receiver, firm_size, member, sme, helped, search_cost,
                        expert_support, budget, ticks_per_year,
                        firm_costs):  # pragma: no cover - compiled
    """The search's discovery and budgeted evaluation
    (:meth:`.partner_search.PartnerSearch._search`) in one call: :func:`.kernels.discover`
    over ``edges`` with the find and then the side draws from the stream ``discovery``
    (``discovery.random((2, len(edges)))``), then :func:`.kernels.budgeted_evaluations`
    of the edges found with the draws of the stream ``search`` (``search.random(found)``).
    Returns the edges evaluated, in their order (their costs paid into ``firm_costs``)."""
    n = len(edges)
    u = np.empty(2 * n)
    fill_uniform(discovery, u)
    found, evaluator = discover(edges, slot_sr, slot_rs, aware, chance, u[:n], u[n:],
                                supplier, receiver)
    draws = np.empty(len(found))
    fill_uniform(search, draws)
    return budgeted_evaluations(found, evaluator, draws, firm_size, member, sme, helped,
                                search_cost, expert_support, budget, ticks_per_year,
                                firm_costs)
