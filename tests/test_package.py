"""``import keras_sr`` alone is enough to load any .keras file the package wrote."""

import subprocess
import sys

import keras
import numpy as np

from keras_sr import losses, models

LOADER = """
import sys
import keras
import numpy as np
import keras_sr  # the only keras_sr import: it must register every custom class
model = keras.models.load_model(sys.argv[1])  # safe mode on
np.save(sys.argv[2], keras.ops.convert_to_numpy(model(np.load(sys.argv[3]))))
"""


def test_load_model_in_a_fresh_process_after_import_keras_sr(tmp_path):
    model = models.get("espcn", scale=2, channels=3)  # PixelShuffle, a keras_sr layer
    model.compile(keras.optimizers.Adam(1e-3), loss=losses.get("charbonnier"))
    x = np.random.default_rng(0).uniform(size=(1, 6, 5, 3)).astype("float32")
    model.fit(x, np.zeros((1, 12, 10, 3), "float32"), epochs=1, verbose=0)
    path = tmp_path / "espcn.keras"
    model.save(path)
    np.save(tmp_path / "x.npy", x)
    subprocess.run([sys.executable, "-c", LOADER, str(path), str(tmp_path / "y.npy"),
                    str(tmp_path / "x.npy")], check=True, capture_output=True)
    expected = keras.ops.convert_to_numpy(model(x))
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), expected, atol=1e-6)
