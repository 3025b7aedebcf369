"""Fixtures of the import tests: the shared third-party checkpoints."""

import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))  # reference.py, torch_writer.py


def weights_root():
    """``../shared/third_party_weights`` (beside the checkout, or beside KERAS_SR_DATA)."""
    candidates = [os.environ.get("KERAS_SR_THIRD_PARTY_WEIGHTS"),
                  REPO.parent / "shared" / "third_party_weights"]
    if os.environ.get("KERAS_SR_DATA"):
        candidates.append(Path(os.environ["KERAS_SR_DATA"]).parent / "third_party_weights")
    for candidate in candidates:
        if candidate and (Path(candidate) / "vdsr_twtygqyy_epoch50.pth").is_file():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def third_party():
    root = weights_root()
    if root is None:
        pytest.skip("third-party checkpoints not found: place ../shared/third_party_weights "
                    "beside the checkout or set KERAS_SR_THIRD_PARTY_WEIGHTS")
    return root
