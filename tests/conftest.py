"""Shared fixtures."""

from __future__ import annotations

import pytest
from helpers import make_region


@pytest.fixture
def region_factory():
    return make_region
