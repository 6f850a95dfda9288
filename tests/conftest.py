"""Shared fixtures."""

from __future__ import annotations

import pytest
from helpers import make_region


@pytest.fixture
def region_factory():
    return make_region


def pytest_configure(config):
    """The kernels compiled once, on every core, before the tests (and pytest-xdist's
    workers) start: otherwise each worker compiles each kernel its tests meet first, the
    same kernels at once (:mod:`symbiosis_abm.precompile`; nothing where the cache is
    current)."""
    if hasattr(config, "workerinput"):   # a pytest-xdist worker: the controller did it
        return
    from symbiosis_abm.precompile import ensure_precompiled

    ensure_precompiled(progress=False)
