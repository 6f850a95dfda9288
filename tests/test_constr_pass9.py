"""Construction's ninth pass against the code it replaced.

A model's construction now remembers what its world and parameters alone give
(``model._Start``, once per shared world), seeds its random streams from states computed
in one compiled pass (``kernels.spawned_seed_states``), and remembers the bundled regions'
listing and the catalogue's path. Each is held here to the rule it replaced, bit for bit,
and the caches to staying correct: a file changed in the same process is read anew, and
two models never share what they change.
"""

from __future__ import annotations

import os
import pickle
import shutil
from collections import deque

import numpy as np
import pandas as pd
import pytest
from helpers import same_array

from symbiosis_abm import SymbiosisModel
from symbiosis_abm import model as model_module
from symbiosis_abm import region as region_module
from symbiosis_abm import world as world_module
from symbiosis_abm.catalogue import load_catalogue
from symbiosis_abm.economics import annuity_factor, annuity_factors
from symbiosis_abm.kernels import spawned_seed_states
from symbiosis_abm.lifecycle import fixed_lifecycle
from symbiosis_abm.randomness import STREAM_NAMES, random_streams
from symbiosis_abm.region import bundled_regions, load_region
from symbiosis_abm.relations import group_pairs, tie_tick
from symbiosis_abm.search import discovery_chance
from symbiosis_abm.timing import in_ticks
from symbiosis_abm.trust import PairStore


# ---------------------------------------------------------------- random streams
def _words(value: int) -> list[int]:
    words = [value & 0xFFFFFFFF]
    while value >> 32:
        value >>= 32
        words.append(value & 0xFFFFFFFF)
    return words


@pytest.mark.parametrize("case", range(40))
def test_spawned_seed_states_are_numpys(case):
    """Each child's ``generate_state(4, uint64)``, for entropies of 1 to 5 words, parent
    spawn keys and pool sizes, as numpy's own spawn gives it."""
    rng = np.random.default_rng(case)
    entropy = int(rng.integers(2**62)) >> int(rng.integers(62))
    entropy = entropy << int(32 * rng.integers(4))
    key = tuple(int(k) for k in rng.integers(0, 2**33, size=int(rng.integers(3))))
    pool = int(rng.choice([4, 4, 5, 8]))
    parent = np.random.SeedSequence(entropy, spawn_key=key, pool_size=pool)
    run = _words(entropy)
    run += [0] * (pool - len(run))
    words = np.array(run + [w for k in key for w in _words(k)], dtype=np.uint32)
    got = spawned_seed_states(words, 16, pool)
    want = np.array([child.generate_state(4, np.uint64) for child in parent.spawn(16)])
    assert same_array(got, want)


@pytest.mark.parametrize("seed", [0, 1, 17, 2**32, 2**63 - 1, 10**30, None, "generator"])
def test_random_streams_are_numpys_spawn(seed):
    """The streams are the generators of numpy's spawn of the run's seed sequence: the
    same states, draws, spawned children and pickles."""
    rng = np.random.default_rng(5) if seed == "generator" else seed
    streams = random_streams(rng)
    entropy = streams.noise.bit_generator.seed_seq.entropy   # (None: drawn by numpy)
    if seed == "generator":
        assert entropy == int(np.random.default_rng(5).integers(2**63))
    elif seed is not None:
        assert entropy == seed
    want = [np.random.default_rng(c) for c in np.random.SeedSequence(entropy).spawn(16)]
    for name, reference in zip(STREAM_NAMES, want):
        got = getattr(streams, name)
        assert got.bit_generator.state == reference.bit_generator.state, name
    for name in ("search", "levels"):
        got, reference = getattr(streams, name), want[STREAM_NAMES.index(name)]
        copied = pickle.loads(pickle.dumps(got))
        assert same_array(copied.random(7), pickle.loads(pickle.dumps(reference)).random(7))
        assert same_array(got.random(3), reference.random(3))
        for _ in range(2):   # spawned children, counted
            assert ([c.bit_generator.state for c in got.spawn(2)]
                    == [c.bit_generator.state for c in reference.spawn(2)])
        seq = got.bit_generator.seed_seq
        assert same_array(seq.generate_state(5), reference.bit_generator.seed_seq.generate_state(5))


def test_random_streams_of_a_seed_sequence_count_its_children():
    seq = np.random.SeedSequence(3)
    streams = random_streams(seq)
    assert seq.n_children_spawned == len(STREAM_NAMES)
    want = np.random.default_rng(np.random.SeedSequence(3).spawn(16)[2])
    assert streams.noise.bit_generator.state == want.bit_generator.state


# ---------------------------------------------------------------- construction
def _annuities(rate, years):
    """:func:`annuity_factors` as it was: ``np.vectorize`` of the scalar rule."""
    years = np.asarray(years, dtype=float)
    return np.vectorize(lambda y: annuity_factor(rate, float(y)), otypes=[float])(years)


def test_annuity_factors_as_vectorized():
    rng = np.random.default_rng(2)
    for rate in (0.0, 0.04, 0.0731):
        years = rng.uniform(1, 60, size=(9, 4)).round(int(rng.integers(3)))
        assert same_array(annuity_factors(rate, years), _annuities(rate, years))
    assert annuity_factors(0.05, np.zeros((0, 3))).shape == (0, 3)


def _old_construction(model):
    """What ``_init_state`` computed for ``model`` before the pass (the same world,
    parameters and awareness draws): the state the caches must give, bit for bit."""
    w, p = model.world, model.params
    lives = np.where(w.catalogue.lifetime_years > 0, w.catalogue.lifetime_years,
                     float(p.lifetime_years))
    ticks = np.vectorize(lambda y: in_ticks(12 * y, p.tick_months), otypes=[np.int64])(lives)
    xy = np.unique(w.firm_xy, axis=0, return_inverse=True)[1].reshape(-1)
    a, b = xy[w.edge_supplier], xy[w.edge_receiver]
    n_sites, n_res = int(max(a.max(), b.max())) + 1, int(w.edge_resource.max()) + 1
    key = (np.minimum(a, b) * n_sites + np.maximum(a, b)) * n_res + w.edge_resource
    route = np.unique(key, return_inverse=True)[1].reshape(-1).astype(np.int64)
    e = len(w.edges)
    pairs = PairStore(w.n_firms, p.initial_trust, capacity=max(1024, 2 * e))
    sr = pairs.slots(w.edge_supplier, w.edge_receiver)
    rs = pairs.slots(w.edge_receiver, w.edge_supplier)
    awareness = np.random.default_rng(np.random.SeedSequence(
        model.streams.noise.bit_generator.seed_seq.entropy).spawn(16)[1])
    knows = awareness.random(e) < discovery_chance(w.edges.distance_km, p.initial_awareness,
                                                   p.discovery_distance_km)
    pairs.aware[sr[knows]] = True
    pairs.aware[rs[knows]] = True
    index = {fid: i for i, fid in enumerate(w.firm_ids)}
    schedule = {}
    for rel in w.region.relationships if p.documented_ties else ():
        i, j = group_pairs(np.array([index[f] for f in rel.firms], dtype=np.int64))
        due = tie_tick(w.region.start, rel.since, p.tick_months)
        if due > 0:
            schedule.setdefault(due, []).append((i, j, rel.trust))
            continue
        slots = pairs.slots(i, j)
        pairs.trust[slots] = rel.trust
        pairs.aware[slots] = True
        pairs.met[slots] = True
    return {"lives": lives, "annuity": _annuities(p.discount_rate, lives), "ticks": ticks,
            "route": route, "pairs": pairs, "sr": sr, "rs": rs, "schedule": schedule,
            "discovery": discovery_chance(w.edges.distance_km, model.rates.discovery,
                                          p.discovery_distance_km),
            "open": w.exists_at(0)}


def _check_construction(model) -> None:
    old = _old_construction(model)
    assert same_array(model.asset_life_years, old["lives"])
    assert same_array(model.mode_annuity, old["annuity"])
    assert same_array(model.assets.lifetime_ticks, old["ticks"])
    assert same_array(model.assets.edge_route, old["route"])
    assert same_array(model.edge_slot_sr, old["sr"]) and same_array(model.edge_slot_rs, old["rs"])
    assert same_array(model.edge_discovery, old["discovery"])
    assert same_array(model.firm_open, old["open"])
    got, want = model.pairs.__getstate__(), old["pairs"].__getstate__()
    assert got.keys() == want.keys()
    for name, value in want.items():
        assert (same_array(got[name], value) if isinstance(value, np.ndarray)
                else got[name] == value), name
    assert sorted(model.tie_schedule) == sorted(old["schedule"])
    for t, ties in old["schedule"].items():
        assert len(model.tie_schedule[t]) == len(ties)
        for (i, j, trust), (i0, j0, trust0) in zip(model.tie_schedule[t], ties):
            assert same_array(i, i0) and same_array(j, j0) and trust == trust0


@pytest.mark.parametrize("region,overrides", [
    ("kalundborg", {}), ("kalundborg_history", {}), ("sotenas", {"discount_rate": 0.0}),
    ("synthetic", {"n_firms": 150, "region_seed": 3})])
def test_construction_as_before(region, overrides, monkeypatch):
    """The first model of a world (computing) and later ones (remembered) hold the state
    the old construction made, for several seeds (before the documented exchanges open:
    they change trust, and are the same code as before)."""
    monkeypatch.setattr(model_module, "open_initial_network", lambda model: None)
    for seed in (0, 1, 2):
        _check_construction(SymbiosisModel(region, rng=seed, **overrides))


def test_lifecycle_fixed_part_as_before():
    model = SymbiosisModel("kalundborg_history", rng=4)
    w, p = model.world, model.params
    produced = w.stream_input >= 0
    assert same_array(fixed_lifecycle(w, p)["stream_made"], np.where(produced & p.cascade, 0.0, 1.0))
    keys = w.edge_supplier.astype(np.int64) * w.n_firms + w.edge_receiver
    order = np.argsort(keys, kind="stable")
    assert same_array(model.edge_keys_sorted[0], keys[order])
    assert same_array(model.edge_keys_sorted[1], order.astype(np.int32))
    assert same_array(model.need_energy, np.array(
        [w.catalogue.categories[r] == "energy" for r in w.need_resource], dtype=bool))
    assert same_array(model.stream_landfill, w.stream_alternative == "landfill")


def _arrays(model) -> dict[str, np.ndarray]:
    """Every array a model holds in its own attributes, its pair store's and asset book's,
    its lifecycle tables and its tie schedule."""
    out = {k: v for k, v in vars(model).items() if isinstance(v, np.ndarray)}
    out.update({f"pairs.{k}": v for k, v in vars(model.pairs).items()
                if isinstance(v, np.ndarray)})
    out.update({f"assets.{k}": v for k, v in vars(model.assets).items()
                if isinstance(v, np.ndarray)})
    out.update({f"masks.{k}": v for k, v in model._unit_masks.items()})
    out.update({f"keys_sorted.{i}": v for i, v in enumerate(model.edge_keys_sorted)})
    return out


def test_two_models_share_nothing_they_change():
    """Two models of one shared world: no array of one is (a view of) the other's, the
    remembered start is unchanged by a run, and a model built after a run is as the
    first was."""
    first = SymbiosisModel("kalundborg", rng=8)
    start = first.world.__dict__["_model_start"][1]
    before = pickle.dumps(start)
    second = SymbiosisModel("kalundborg", rng=8)
    assert second.world is first.world
    mine, theirs = _arrays(first), _arrays(second)
    for name, value in mine.items():
        assert not np.shares_memory(value, theirs[name]), name
        assert not any(np.shares_memory(value, v) for v in vars(start).values()
                       if isinstance(v, np.ndarray)), name
    assert first.tie_schedule is not second.tie_schedule
    assert first.schedules is not second.schedules
    for model in (first, second):   # what the model changes in place
        model.pairs.trust[:] = 0.123
        model.pairs.aware[:] = True
        model.edge_discovery[:] = 0.5
        model.stream_made[:] = 7.0
        model.key_input[:] = True
        model.tie_schedule.clear()
    first.run(30)
    assert pickle.dumps(start) == before
    again = SymbiosisModel("kalundborg", rng=8)
    _check_construction(again)
    fixed = fixed_lifecycle(again.world, again.params)
    assert same_array(again.stream_made, fixed["stream_made"])
    assert same_array(again.key_input, fixed["key_input"])


# ---------------------------------------------------------------- files read anew
def _rewrite(path, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in a file, its modification time moved on."""
    text = path.read_text()
    assert old in text
    stat = path.stat()
    path.write_text(text.replace(old, new, 1))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))


def test_changed_region_file_is_read_anew(tmp_path):
    path = tmp_path / "mine.toml"
    shutil.copy(bundled_regions()["kalundborg"], path)
    first = SymbiosisModel(path, rng=1)
    assert load_region(path) is first.world.region   # (remembered while unchanged)
    name = first.world.region.title
    _rewrite(path, f'title = "{name}"', 'title = "Changed"')
    second = SymbiosisModel(path, rng=1)
    assert second.world.region.title == "Changed" and first.world.region.title == name
    assert second.world is not first.world
    # a change of the same size, within the same second, is still seen
    text = path.read_text()
    old = 'title = "Changed"'
    path.write_text(text.replace(old, 'title = "Chanced"', 1))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1))
    assert load_region(path).title == "Chanced"


def test_changed_catalogue_file_is_read_anew(tmp_path):
    bundled = load_catalogue()
    assert load_catalogue() is bundled   # (remembered while unchanged)
    path = tmp_path / "resources.toml"
    shutil.copy(bundled.origin, path)
    first = load_catalogue(path)
    assert load_catalogue(str(path)) is first
    steam = first.names.index("steam")
    _rewrite(path, "[resources.steam]\n", "[resources.steam]\n# more\n")
    _rewrite(path, "virgin_price = 40.0\n", "virgin_price = 41.5\n")
    second = load_catalogue(path)
    assert second.virgin_price[steam] == 41.5 and first.virgin_price[steam] == 40.0


def test_bundled_listing_follows_the_folder(tmp_path, monkeypatch):
    for name in ("a", "b"):
        (tmp_path / f"{name}.toml").write_text("")
    (tmp_path / "notes.txt").write_text("")
    monkeypatch.setattr(region_module, "_regions_folder", lambda: str(tmp_path))
    listing = bundled_regions()
    assert list(listing) == ["a", "b"] and listing["a"] == tmp_path / "a.toml"
    listing["zzz"] = tmp_path   # a caller's copy: the remembered listing is not changed
    assert "zzz" not in bundled_regions()
    (tmp_path / "c.toml").write_text("")
    os.utime(tmp_path, ns=(tmp_path.stat().st_atime_ns, tmp_path.stat().st_mtime_ns + 10**9))
    assert list(bundled_regions()) == ["a", "b", "c"]
    (tmp_path / "a.toml").unlink()
    os.utime(tmp_path, ns=(tmp_path.stat().st_atime_ns, tmp_path.stat().st_mtime_ns + 10**9))
    assert list(bundled_regions()) == ["b", "c"]


# ---------------------------------------------------------------- generated regions
def _typed(value):
    """A summary with each value's type beside it (1 == 1.0 == True otherwise)."""
    if isinstance(value, dict):
        return [(k, _typed(v)) for k, v in value.items()]
    return (type(value).__name__, repr(value))


def _same_run(a, b, ticks: int) -> None:
    """``a`` and ``b`` run ``ticks`` ticks alike: time series, exchanges and summary."""
    a.run(ticks)
    b.run(ticks)
    pd.testing.assert_frame_equal(a.timeseries(), b.timeseries(), check_exact=True)
    pd.testing.assert_frame_equal(a.exchanges_frame(), b.exchanges_frame(), check_exact=True)
    assert _typed(a.summary()) == _typed(b.summary())


@pytest.mark.parametrize("seed", [0, 5])
def test_seeded_synthetic_shared_as_generated(seed, monkeypatch):
    """A region from a fixed ``region_seed`` is generated once and shared with its world
    (read-only); its runs are those of a region generated for each run, bit for bit."""
    overrides = {"n_firms": 90, "region_seed": 3, "area_km": 8.0}
    monkeypatch.setattr(world_module, "_SYNTHETIC", deque(maxlen=4))   # (restored after)
    first = SymbiosisModel("synthetic", rng=seed, **overrides)
    second = SymbiosisModel("synthetic", rng=seed + 1, **overrides)
    assert second.world is first.world and not first.world.stream_volume.flags.writeable
    assert not any(np.shares_memory(v, _arrays(second)[k]) for k, v in _arrays(first).items())
    monkeypatch.setattr(world_module, "SHARED_SYNTHETIC_FIRMS", 0)
    monkeypatch.setattr(world_module, "_SYNTHETIC", deque(maxlen=4))
    own = SymbiosisModel("synthetic", rng=seed, **overrides)
    # not shared, and read-only all the same (every world is: a kernel is compiled once)
    assert own.world is not first.world and not own.world.stream_volume.flags.writeable
    assert first.world.region.firms == own.world.region.firms
    _same_run(first, own, 30)


def test_drawn_synthetic_regions_are_each_runs_own():
    """Without a ``region_seed`` each run draws its region: nothing is shared."""
    a = SymbiosisModel("synthetic", rng=1, n_firms=60)
    b = SymbiosisModel("synthetic", rng=2, n_firms=60)
    c = SymbiosisModel("synthetic", rng=1, n_firms=60)
    assert a.world.region is not c.world.region and a.world is not c.world
    assert a.world.region == c.world.region and a.world.region != b.world.region
