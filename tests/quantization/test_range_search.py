"""search_ranges / calibrate(method="mse"): least-error int8 activation ranges."""

import keras
import numpy as np
import pytest

from keras_sr.quantization import calibrate, fake_quant_tensor, quantize_model
from keras_sr.quantization.range_search import fake_quant_numpy, search_ranges


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


@pytest.mark.parametrize("low, high", [(-1.0, 1.0), (-4.38, 0.99), (0.0, 0.7), (-0.3, 2.5)])
def test_numpy_fake_quant_equals_the_keras_op(low, high, rng):
    x = rng.uniform(low - 1.0, high + 1.0, 5000).astype("float32")
    np.testing.assert_allclose(fake_quant_numpy(x, low, high),
                               _np(fake_quant_tensor(x, low, high)), atol=1e-5)


def _prelu_model(slope, gain=1.0, offset=0.0):
    lr = keras.Input((None, None, 1), name="lr")
    x = keras.layers.Conv2D(2, 1, name="c1", kernel_initializer=keras.initializers.Constant(gain),
                            bias_initializer=keras.initializers.Constant(offset))(lr)
    x = keras.layers.PReLU(shared_axes=[1, 2], name="p1",
                           alpha_initializer=keras.initializers.Constant(slope))(x)
    x = keras.layers.Conv2D(1, 1, name="c2")(x)
    return keras.Model(lr, x)


def test_prelu_tail_is_clipped_and_the_error_after_the_prelu_falls(rng):
    """PReLU inputs in [0, 1] plus 0.1% at -20: min/max spends 95% of the levels on them."""
    data = rng.uniform(20 / 21, 1, (16, 16, 16, 1)).astype("float32")  # conv: 21 x - 20
    data.reshape(-1)[rng.choice(data.size, data.size // 1000, replace=False)] = 0.0
    qat = quantize_model(_prelu_model(0.01, gain=21.0, offset=-20.0),
                         activation_range="learned")
    calibrate(qat, data, method="minmax")
    quant = qat.get_layer("c1_quant")
    assert float(_np(quant.range_min)) == pytest.approx(-20.0)
    chosen = search_ranges(qat, data)
    low, high = chosen["c1_quant"]
    assert -20.0 < low <= -1.0 and high == pytest.approx(1.0, abs=0.01)
    assert float(_np(quant.range_min)) == pytest.approx(low)

    def prelu_error(lo, hi):
        x = 21.0 * data.reshape(-1) - 20.0
        f = lambda v: np.maximum(v, 0) + 0.01 * np.minimum(v, 0)
        return np.mean((f(fake_quant_numpy(x, lo, hi)) - f(x)) ** 2)

    assert prelu_error(low, high) < 0.5 * prelu_error(-20.0, 1.0)


def test_mse_calibration_never_worse_than_minmax_on_its_data(rng):
    data = rng.normal(0.5, 0.2, (16, 8, 8, 1)).clip(0, 1).astype("float32")
    outputs = {}
    for method in ("minmax", "mse"):
        keras.utils.set_random_seed(0)
        qat = quantize_model(_prelu_model(0.25), activation_range="learned",
                             calibration_data=data, calibration=method)
        outputs[method] = _np(qat(data))
    keras.utils.set_random_seed(0)
    reference = _np(_prelu_model(0.25)(data))
    errors = {m: float(np.mean((o - reference) ** 2)) for m, o in outputs.items()}
    assert errors["mse"] <= errors["minmax"] * 1.0001


def test_bad_method_and_data():
    qat = quantize_model(_prelu_model(0.1))
    with pytest.raises(ValueError, match="`method` must be 'minmax' or 'mse'; got 'kl'"):
        calibrate(qat, np.zeros((1, 4, 4, 1), "float32"), method="kl")
    with pytest.raises(ValueError, match=r"search_ranges: `data` must be \(N, h, w, c\)"):
        search_ranges(qat, np.zeros((4, 4, 1), "float32"))
