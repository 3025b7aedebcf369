"""The package's front: ``import keras_sr`` is light; importing ``keras_sr.models``
registers every layer a saved model needs; ``keras_sr.load_model`` loads any file."""

import subprocess
import sys
from pathlib import Path

import keras
import numpy as np

from keras_sr import losses, models

REPO = Path(__file__).resolve().parents[1]

LOADER = """
import sys
import keras
import numpy as np
import keras_sr.models  # the only keras_sr import: it must register every layer used
model = keras.models.load_model(sys.argv[1], compile=False)  # safe mode on
np.save(sys.argv[2], keras.ops.convert_to_numpy(model(np.load(sys.argv[3]))))
"""

COMPILED_LOADER = """
import sys
import keras_sr
model = keras_sr.load_model(sys.argv[1])  # compiled with a keras_sr loss
print(type(model.loss).__name__)
"""

LIGHT = """
import sys
import keras_sr
before = sorted(m for m in ("tensorflow", "keras", "numpy") if m in sys.modules)
module = keras_sr.metrics  # a sub-package is imported on first access
print(",".join(before), module.__name__, "keras" in sys.modules)
"""


def _run(code, *args):
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], cwd=REPO,
                          check=True, capture_output=True, text=True, timeout=300)


def test_import_keras_sr_is_light_and_subpackages_load_on_access():
    assert _run(LIGHT).stdout.split() == ["keras_sr.metrics", "True"]


def test_load_model_in_a_fresh_process_after_import_keras_sr_models(tmp_path):
    model = models.get("espcn", scale=2, channels=3)  # PixelShuffle, a keras_sr layer
    model.compile(keras.optimizers.Adam(1e-3), loss=losses.get("charbonnier"))
    x = np.random.default_rng(0).uniform(size=(1, 6, 5, 3)).astype("float32")
    model.fit(x, np.zeros((1, 12, 10, 3), "float32"), epochs=1, verbose=0)
    path = tmp_path / "espcn.keras"
    model.save(path)
    np.save(tmp_path / "x.npy", x)
    _run(LOADER, path, tmp_path / "y.npy", tmp_path / "x.npy")
    expected = keras.ops.convert_to_numpy(model(x))
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), expected, atol=1e-6)
    assert _run(COMPILED_LOADER, path).stdout.strip() == type(model.loss).__name__
