"""Shared pytest fixtures: where the image sets are, which backend runs."""

import os
from pathlib import Path

import keras
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]


def data_root():
    """The folder holding Set5, Set14, B100, T91, BSD200 (or None when absent)."""
    candidates = [os.environ.get("KERAS_SR_DATA"), REPO.parent / "shared" / "datasets"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "Set5").is_dir():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def datasets_dir():
    root = data_root()
    if root is None:
        pytest.skip("image sets not found: set KERAS_SR_DATA or place ../shared/datasets")
    return root


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def rgb_batch(rng):
    """Two random RGB images, float32 (2, 16, 16, 3) in [0, 1)."""
    return rng.random((2, 16, 16, 3)).astype("float32")


@pytest.hookimpl(tryfirst=True)   # before -m deselects: slow_on_jax must become slow first
def pytest_collection_modifyitems(config, items):
    if keras.backend.backend() == "tensorflow":
        return
    for item in items:
        if "slow_on_jax" in item.keywords:
            item.add_marker(pytest.mark.slow)
    skip = pytest.mark.skip(reason=f"tf_only test, backend is {keras.backend.backend()}")
    for item in items:
        if "tf_only" in item.keywords:
            item.add_marker(skip)
