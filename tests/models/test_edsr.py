"""EDSR: the paper's parameter counts, residual scaling and the DIV2K mean shift."""

import keras
import numpy as np
import pytest

from keras_sr import models
from keras_sr.models.common import DIV2K_RGB_MEAN


@pytest.mark.parametrize("scale,params", [(2, 1369859), (3, 1554499), (4, 1517571)])
def test_baseline_parameter_counts(scale, params):
    # Paper (Table 3 / text): 1.37M, 1.55M and 1.52M.
    model = models.get("edsr_baseline", scale=scale)
    assert model.count_params() == params
    blocks = [l for l in model.layers if l.name.endswith("_add") and l.name.startswith("block")]
    assert len(blocks) == 16
    assert not [l for l in model.layers if isinstance(l, keras.layers.Rescaling)
                and l.name.endswith("_scale")]


def test_full_model_parameters_scaling_and_tiny_forward():
    model = models.get("edsr", scale=4)
    assert round(model.count_params() / 1e6) == 43  # paper: 43M
    scales = [l.scale for l in model.layers if l.name.endswith("_scale")]
    assert scales == [0.1] * 32
    sr = model(np.zeros((1, 4, 5, 3), "float32"))
    assert tuple(sr.shape) == (1, 16, 20, 3)


@pytest.mark.parametrize("channels", [1, 3])
def test_mean_shift_round_trip(channels):
    model = models.get("edsr_baseline", scale=2, channels=channels, num_blocks=1, filters=8)
    model.set_weights([np.zeros_like(w) for w in model.get_weights()])
    sr = keras.ops.convert_to_numpy(model(np.ones((1, 3, 3, channels), "float32")))
    expected = DIV2K_RGB_MEAN if channels == 3 else [0.4379]
    np.testing.assert_allclose(sr, np.broadcast_to(expected, sr.shape), atol=1e-6)
