"""Parity with PyTorch itself, where some Python on the machine can import torch.

torch is not a keras_sr dependency (docs/import.md says why). The torch side runs in
tests/convert/torch_forward.py under the first of: this interpreter, $KERAS_SR_TORCH_PYTHON,
/usr/bin/python3 (Debian's CPU-only python3-torch) that imports torch; it reads the
checkpoint with ``torch.load``, so this also checks keras_sr's reader independently.
"""

import functools
import importlib.util
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from keras_sr.convert import import_checkpoint
from keras_sr.image import imresize

HERE = os.path.dirname(os.path.abspath(__file__))


@functools.lru_cache(maxsize=None)
def torch_python():
    """An interpreter that imports torch, or None."""
    if importlib.util.find_spec("torch") is not None:
        return sys.executable
    for candidate in (os.environ.get("KERAS_SR_TORCH_PYTHON"), "/usr/bin/python3"):
        if candidate and os.path.exists(candidate):
            probe = subprocess.run([candidate, "-c", "import numpy, torch"],
                                   capture_output=True, check=False)
            if probe.returncode == 0:
                return candidate
    return None


@pytest.fixture(scope="module")
def torch_forward():
    python = torch_python()
    if python is None:
        pytest.skip("torch is not importable here (pip install torch, apt-get install "
                    "python3-torch, or set KERAS_SR_TORCH_PYTHON); the numpy reference "
                    "tests cover parity instead")

    def run(checkpoint, family, x_nchw, tmp_path):
        np.save(tmp_path / "in.npy", x_nchw.astype("float32"))
        subprocess.run([python, os.path.join(HERE, "torch_forward.py"), str(checkpoint),
                        family, str(tmp_path / "in.npy"), str(tmp_path / "out.npy")],
                       check=True, capture_output=True)
        return np.load(tmp_path / "out.npy")

    return run


def _nchw(x):
    return np.asarray(x).transpose(0, 3, 1, 2)


@pytest.mark.parametrize("file, family, model, scale, channels", [
    ("vdsr_twtygqyy_epoch50.pth", "vdsr_twtygqyy", "vdsr", 3, 1),
    ("lapsrn_x4_twtygqyy_epoch100.pth", "lapsrn_twtygqyy", "lapsrn", 4, 1),
    ("vdsr_rgb_nhatthanh.pt", "vdsr_nhatthanh", "vdsr", 2, 3),
])
def test_imported_model_equals_torch(third_party, torch_forward, tmp_path, rng, file, family,
                                     model, scale, channels):
    lr = rng.random((1, 11, 13, channels)).astype("float32")
    torch_input = lr if model == "lapsrn" else keras.ops.convert_to_numpy(
        imresize(lr, scale=scale))  # VDSR's torch input is the bicubic-upscaled image
    expected = torch_forward(third_party / file, family, _nchw(torch_input), tmp_path)
    got = keras.ops.convert_to_numpy(
        import_checkpoint(third_party / file, model=model, scale=scale).model(lr))
    if family == "vdsr_nhatthanh":
        got = np.clip(got, 0.0, 1.0)  # that repository clips its output
    assert expected.shape == _nchw(got).shape
    np.testing.assert_allclose(_nchw(got), expected, atol=1e-4)
