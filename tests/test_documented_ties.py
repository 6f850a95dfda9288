"""Documented ties (issue 19): a region's [[relationships]] may name a group (a managers'
club, a shared site) whose members all know each other; convener events reach a share
of the region's firms, not a fixed number."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.catalogue import load_catalogue, read_toml
from symbiosis_abm.errors import RegionError
from symbiosis_abm.region import Relationship, bundled_regions, load_region, region_from_dict


def test_a_group_tie_sets_trust_and_awareness_between_every_pair_of_members():
    region = load_region("kalundborg")
    club = ("asnaes", "novo", "novozymes", "equinor")
    model = SymbiosisModel(dataclasses.replace(
        region, relationships=(Relationship(club, "business_club", 0.8),)), rng=0)
    for a, b in itertools.permutations(club, 2):
        assert model.firm(a).trust_in(b) == pytest.approx(0.8)
        assert b in model.firm(a).known_firms
    outsider = next(f.id for f in region.firms if f.id not in club)
    assert model.firm("novo").trust_in(outsider) == pytest.approx(model.params.initial_trust)


def test_a_group_naming_a_firm_twice_is_one_line_naming_file_and_field():
    data = read_toml(bundled_regions()["kalundborg"])
    data["relationships"] = [{"firms": ["novo", "asnaes", "novo"], "kind": "business_club",
                              "trust": 0.7}]
    with pytest.raises(RegionError) as err:
        region_from_dict(data, "k.toml", load_catalogue())
    assert str(err.value).splitlines() == [
        "k.toml: relationships[0].firms: a firm cannot relate to itself; name different "
        "firms, each once"]


def attendees(model: SymbiosisModel) -> np.ndarray:
    """The firms of one event: every attendee has contact with every other."""
    store = model.pairs
    assert not store.contact[: store.size].any()
    model.facilitator._convene()
    hit = store.contact[: store.size]
    return np.union1d(store.src[: store.size][hit], store.dst[: store.size][hit])


@pytest.mark.parametrize("share", [0.25, 0.5, 1.0])
def test_an_event_reaches_a_share_of_the_regions_open_firms(share):
    model = SymbiosisModel("kalundborg", rng=0, convener_share=share)
    n_open = int(model.firm_open.sum())
    came = attendees(model)
    assert len(came) == min(20, int(round(share * n_open)))
    assert model.firm_open[came].all()
    members = np.flatnonzero(model.firm_member & model.firm_open)
    if len(came) <= len(members):          # members first
        assert model.firm_member[came].all()


def test_the_room_caps_an_event_in_a_large_region():
    model = SymbiosisModel("synthetic", rng=1, n_firms=300, convener_share=0.5)
    assert len(attendees(model)) == 20    # half would be 150; the room holds 20
