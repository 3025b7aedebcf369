"""D-DBPN and DBPN-S: projection-unit counts and the parameter count from the paper's layout."""

import keras
import numpy as np

from keras_sr import models


def _expected_params(channels, n0, nr, stages, kernel, dense):
    prelu = 1  # one slope per PReLU layer
    params = (9 * channels * n0 + n0 + prelu) + (n0 * nr + nr + prelu)
    unit = 3 * (kernel * kernel * nr * nr + nr + prelu)
    params += (2 * stages - 1) * unit
    if dense:  # 1x1 fusion before every unit fed by more than one earlier output
        for t in range(2, stages + 1):  # up unit t sees t LR maps, down unit t-1 sees t-1
            params += t * nr * nr + nr + prelu
            if t - 1 > 1:
                params += (t - 1) * nr * nr + nr + prelu
    params += 9 * stages * nr * channels + channels
    return params


def test_d_dbpn_layout_parameters_and_tiny_forward():
    model = models.get("dbpn", scale=4)
    names = {layer.name for layer in model.layers}
    assert {f"up{t}_out" for t in range(1, 8)} <= names and "up8_out" not in names
    assert {f"down{t}_out" for t in range(1, 7)} <= names and "down7_out" not in names
    assert model.get_layer("up1_h0").kernel_size == (8, 8)
    assert model.get_layer("up1_h0").strides == (4, 4)
    assert model.count_params() == _expected_params(3, 256, 64, 7, 8, dense=True)
    assert round(model.count_params() / 1e6, 1) == 10.5
    if keras.backend.backend() == "tensorflow":  # eager JAX compiles every op: ~30 s
        sr = model(np.zeros((1, 3, 4, 3), "float32"))
        assert tuple(sr.shape) == (1, 12, 16, 3)


def test_dbpn_small_is_dbpn_s():
    model = models.get("dbpn_small", scale=8, channels=3)
    assert model.get_layer("up1_h0").kernel_size == (12, 12)
    assert model.count_params() == _expected_params(3, 128, 32, 2, 12, dense=False)
    assert not [l for l in model.layers if isinstance(l, keras.layers.Concatenate)
                and l.name != "concat_high"]
