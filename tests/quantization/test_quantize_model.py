"""Tests of keras_sr.quantization: placement, int8 grids, errors, fit on every backend."""

import math

import keras
import numpy as np
import pytest
from toy_models import every_layer_model, tiny_espcn

from keras_sr.quantization import (
    ActivationQuantizer, QuantizedConv2D, QuantizedConv2DTranspose, QuantizedPReLU,
    calibrate, fake_quant_tensor, fake_quant_weights, fine_tune, quantize_model,
    quantizers_of)
from keras_sr.quantization.quantize_model import SATURATION_LIMITS


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def test_weights_per_channel_symmetric_int8_grid(rng):
    kernel = rng.normal(0, 1, (3, 3, 4, 5)).astype("float32")
    kernel[..., 2] *= 0.01  # a small channel keeps its own fine grid
    q = _np(fake_quant_weights(kernel, axis=-1))
    for c in range(5):
        step = np.abs(kernel[..., c]).max() / 127.0
        levels = q[..., c] / step
        np.testing.assert_allclose(levels, np.round(levels), atol=1e-3)
        assert np.abs(levels).max() <= 127.0 + 1e-3
        assert np.abs(q[..., c] - kernel[..., c]).max() <= step / 2 + 1e-6


def test_activation_grid_has_256_levels_and_clamps():
    x = np.linspace(-1.0, 3.0, 1001, dtype="float32")
    q = _np(fake_quant_tensor(x, -0.5, 2.0))
    step = 2.5 / 255.0
    assert q.min() == pytest.approx(-0.5, abs=step) and q.max() == pytest.approx(2.0, abs=step)
    assert len(np.unique(np.round(q / step))) <= 256
    inside = (x > -0.5) & (x < 2.0)
    assert np.abs(q[inside] - x[inside]).max() <= step / 2 + 1e-5


def test_placement_follows_tflite_kernels():
    qat = quantize_model(tiny_espcn(scale=2))
    names = [layer.name for layer in qat.layers]
    kinds = {layer.name: type(layer).__name__ for layer in qat.layers}
    # input quantized; conv with its own ReLU quantized after it; the second conv's ReLU
    # is fused (quantizer after the ReLU, none between); the last conv carries the
    # fixed [0, 1] output quantizer and nothing follows the PixelShuffle.
    assert names[1] == "lr_quant"
    second_conv = [n for n in names if kinds[n] == "QuantizedConv2D"][1]
    after = names[names.index(second_conv) + 1]
    assert kinds[after] == "ReLU"
    assert kinds[names[names.index(after) + 1]] == "ActivationQuantizer"
    assert kinds[names[-1]] == "PixelShuffle"
    output_quant = qat.get_layer(names[-2])
    assert output_quant.mode == "fixed" and output_quant.fixed_range == (0.0, 1.0)
    assert sum(isinstance(layer, ActivationQuantizer) for layer in qat.layers) == 4


def test_every_supported_layer_is_covered():
    qat = quantize_model(every_layer_model())
    types = {type(layer) for layer in qat.layers}
    assert {QuantizedConv2D, QuantizedConv2DTranspose, QuantizedPReLU} <= types
    requantized = [layer.name for layer in qat.layers if layer.name.endswith("_quant")]
    for name in ("add_quant", "concatenate_quant", "leaky_re_lu_quant", "p_re_lu_quant"):
        assert any(r.startswith(name.split("_quant")[0]) for r in requantized), name


def test_output_is_clipped_to_unit_range(rng):
    qat = quantize_model(tiny_espcn(scale=2))
    conv = [layer for layer in qat.layers if isinstance(layer, QuantizedConv2D)][-1]
    conv.bias.assign(np.full(conv.bias.shape, 5.0, "float32"))  # push the output far above 1
    out = _np(qat(rng.uniform(0, 1, (1, 8, 8, 3)).astype("float32")))
    assert out.max() == pytest.approx(1.0) and out.min() >= 0.0


def test_unsupported_layer_error_names_it():
    lr = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(4, 3, padding="same")(lr)
    x = keras.layers.BatchNormalization(name="my_batchnorm")(x)
    model = keras.Model(lr, x)
    with pytest.raises(ValueError, match="my_batchnorm.*BatchNormalization"):
        quantize_model(model)
    lr = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(4, 3, activation="softplus", name="softplus_conv")(lr)
    with pytest.raises(ValueError, match="softplus_conv.*softplus"):
        quantize_model(keras.Model(lr, x))


def test_weights_copied_and_close_to_float(rng):
    model = tiny_espcn(scale=2)
    lr = rng.uniform(0, 1, (4, 12, 12, 3)).astype("float32")
    qat = quantize_model(model, calibration_data=lr)
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            np.testing.assert_array_equal(layer.get_weights()[0],
                                          qat.get_layer(layer.name).get_weights()[0])
    reference = np.clip(_np(model(lr)), 0, 1)
    err = np.abs(_np(qat(lr)) - reference)
    # every error is a few int8 steps of its tensor, far below the signal
    assert err.mean() < 0.02 and err.max() < 0.2


def test_calibration_sets_ranges(rng):
    lr = rng.uniform(0, 1, (2, 8, 8, 3)).astype("float32")
    qat = quantize_model(tiny_espcn(), activation_range="learned")
    calibrate(qat, lr)
    first = qat.get_layer("lr_quant")
    assert first.mode == "fixed"
    conv_quant = [q for q in quantizers_of(qat) if q.mode == "learned"][0]
    seen = _np(keras.Model(qat.input, conv_quant.input)(lr))
    assert float(_np(conv_quant.range_max)) == pytest.approx(seen.max(), rel=1e-5)


def test_qat_fit_updates_weights_and_ema_ranges(rng):
    """Fine-tuning with model.fit runs on the current backend (TF and JAX)."""
    keras.utils.set_random_seed(0)
    model = tiny_espcn(scale=2)
    hr = rng.uniform(0, 1, (8, 16, 16, 3)).astype("float32")
    lr = hr[:, ::2, ::2]
    qat = quantize_model(model)
    ema = [q for q in quantizers_of(qat) if q.mode == "ema"][0]
    assert float(_np(ema.observed)) == 0.0
    before = qat.get_layer(model.layers[1].name).get_weights()[0].copy()
    history = fine_tune(qat, lr, hr, epochs=2, batch_size=4, learning_rate=1e-3)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()
    assert float(_np(ema.observed)) == 1.0
    assert float(_np(ema.range_max)) > 0.0
    after = qat.get_layer(model.layers[1].name).get_weights()[0]
    assert np.abs(after - before).max() > 0


def test_fine_tune_cosine_decay_ends_at_the_final_ratio(rng):
    """decay='cosine': 2 epochs x 2 batches; the rate after the 4th step is lr * ratio."""
    keras.utils.set_random_seed(0)
    hr = rng.uniform(0, 1, (8, 16, 16, 3)).astype("float32")
    qat = quantize_model(tiny_espcn(scale=2))
    fine_tune(qat, hr[:, ::2, ::2], hr, epochs=2, batch_size=4, learning_rate=1e-3,
              decay="cosine", final_learning_rate_ratio=0.1)
    assert int(_np(qat.optimizer.iterations)) == 4
    assert float(_np(qat.optimizer.learning_rate)) == pytest.approx(1e-4, rel=1e-5)
    with pytest.raises(ValueError, match="`decay` must be None or 'cosine'; got 'step'"):
        fine_tune(qat, hr[:, ::2, ::2], hr, decay="step")
    with pytest.raises(ValueError, match="final_learning_rate_ratio"):
        fine_tune(qat, hr[:, ::2, ::2], hr, decay="cosine", final_learning_rate_ratio=2.0)


def test_fine_tune_steps_per_execution_gives_the_same_weights(rng):
    """Running 3 steps per compiled call only changes the speed: same batches, same
    weights and learned ranges (7 batches per epoch: a partial last call)."""
    hr = rng.uniform(0, 1, (28, 16, 16, 3)).astype("float32")
    lr = hr[:, ::2, ::2]
    results = []
    for steps_per_execution in (1, 3):
        keras.utils.set_random_seed(0)
        qat = quantize_model(tiny_espcn(scale=2), activation_range="learned",
                             calibration_data=lr[:4])
        fine_tune(qat, lr, hr, epochs=2, batch_size=4, learning_rate=1e-3,
                  decay="cosine", steps_per_execution=steps_per_execution)
        assert int(_np(qat.optimizer.iterations)) == 14
        results.append([np.array(w) for w in qat.get_weights()])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    keras.utils.set_random_seed(0)
    start = quantize_model(tiny_espcn(scale=2), activation_range="learned",
                           calibration_data=lr[:4]).get_weights()
    assert max(np.abs(a - np.array(w)).max() for a, w in zip(results[0], start)) > 1e-4


def test_quantizer_serialization_round_trip(tmp_path, rng):
    qat = quantize_model(tiny_espcn(), calibration_data=rng.uniform(0, 1, (2, 8, 8, 3)))
    path = tmp_path / "qat.keras"
    qat.save(path)
    loaded = keras.saving.load_model(path)
    x = rng.uniform(0, 1, (1, 8, 8, 3)).astype("float32")
    np.testing.assert_allclose(_np(loaded(x)), _np(qat(x)), atol=1e-6)


def test_bad_arguments():
    with pytest.raises(ValueError, match="activation_range"):
        quantize_model(tiny_espcn(), activation_range="minmax")
    with pytest.raises(ValueError, match="mode"):
        ActivationQuantizer(mode="percentile")


def test_tanh_conv_gets_tflite_fixed_grid():
    """ESPCN's tanh convs: quantizer, tanh, then TFLite's int8 tanh grid (1/128, zp 0)."""
    lr = keras.Input((None, None, 1))
    x = keras.layers.Conv2D(4, 3, padding="same", activation="tanh", name="c1")(lr)
    x = keras.layers.Conv2D(4, 3, padding="same", name="c2")(x)
    qat = quantize_model(keras.Model(lr, x))
    names = [layer.name for layer in qat.layers]
    assert names[names.index("c1") + 1:names.index("c1") + 4] == [
        "c1_quant", "c1_tanh", "c1_grid_quant"]
    grid = qat.get_layer("c1_grid_quant")
    scale, zero_point = grid.quantization_params()
    assert scale == pytest.approx(1 / 128) and zero_point == 0
    assert qat.get_layer("c1").activation.__name__ == "linear"


def test_saturation_limits_are_where_the_int8_grids_end():
    """At the limits tanh is +-127/128 and sigmoid 255/256 and 1/256: grid levels."""
    low, high = SATURATION_LIMITS["tanh"]
    assert math.tanh(high) * 128 == pytest.approx(127) and low == -high
    low, high = SATURATION_LIMITS["sigmoid"]
    assert 256 / (1 + math.exp(-high)) == pytest.approx(255)
    assert 256 / (1 + math.exp(-low)) == pytest.approx(1)


def test_tanh_preactivation_quantizer_is_clamped_to_the_saturation_limits(rng):
    """A pre-activation peak of 20 would give a step of 40/255; clamped it is 5.54/255."""
    lr = keras.Input((None, None, 1))
    x = keras.layers.Conv2D(2, 1, activation="tanh", name="c1",
                            kernel_initializer=keras.initializers.Constant(40.0),
                            bias_initializer=keras.initializers.Constant(-20.0))(lr)
    x = keras.layers.Conv2D(1, 1, name="c2")(x)
    data = np.linspace(0, 1, 64, dtype="float32").reshape(1, 8, 8, 1)
    qat = quantize_model(keras.Model(lr, x), calibration_data=data)
    quant = qat.get_layer("c1_quant")
    assert quant.limits == SATURATION_LIMITS["tanh"]
    assert float(_np(quant.range_min)) == pytest.approx(-20.0, rel=1e-4)  # tracked as seen
    low, high = SATURATION_LIMITS["tanh"]
    scale, zero_point = quant.quantization_params()
    assert scale == pytest.approx((high - low) / 255, rel=1e-6)
    assert zero_point == round(-128 - low / scale)
    # beyond the limits the tanh grid is saturated: the clamped model saturates the same
    probe = keras.Model(qat.inputs, qat.get_layer("c1_grid_quant").output)
    out = _np(probe(data))
    assert out.min() == pytest.approx(-127 / 128) and out.max() == pytest.approx(127 / 128)
    unlimited = ActivationQuantizer(limits=None)
    assert unlimited.get_config()["limits"] is None
    assert ActivationQuantizer.from_config(quant.get_config()).limits == quant.limits
    with pytest.raises(ValueError, match="`limits` must be a pair"):
        ActivationQuantizer(limits=(0.5, 1.0))
