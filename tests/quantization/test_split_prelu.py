"""Tests of keras_sr.quantization.split_prelu (conv -> PReLU -> conv as ReLU convs)."""

import keras
import numpy as np
import pytest

from keras_sr import models
from keras_sr.quantization import quantize_model
from keras_sr.quantization.split_prelu import split_prelu
from keras_sr.quantization.subpixel import transposed_to_subpixel


def _np(x):
    return keras.ops.convert_to_numpy(x)


def _random_slopes(model, rng):
    """Per-channel slopes of both signs and above 1 (trained FSRCNN slopes are 0..1)."""
    for layer in model.layers:
        if isinstance(layer, keras.layers.PReLU):
            shape = layer.get_weights()[0].shape
            layer.set_weights([rng.uniform(-0.5, 1.5, shape).astype("float32")])


def test_fsrcnn_rewrite_is_exact_in_float(rng):
    keras.utils.set_random_seed(0)
    model = models.get("fsrcnn", scale=3, channels=1, filters=8, shrink_filters=4,
                       num_blocks=2)
    _random_slopes(model, rng)
    for layer in model.layers:  # biases too: the rewrite negates them
        weights = layer.get_weights()
        if isinstance(layer, keras.layers.Conv2D) and len(weights) == 2:
            layer.set_weights([weights[0], rng.normal(0, 0.1, weights[1].shape)])
    sub, _ = transposed_to_subpixel(model)
    split, replaced = split_prelu(sub)
    prelus = [layer.name for layer in model.layers if isinstance(layer, keras.layers.PReLU)]
    assert replaced == prelus and len(prelus) == 5
    assert not any(isinstance(layer, keras.layers.PReLU) for layer in split.layers)
    assert split.get_layer("feature_extraction").filters == 16
    assert split.get_layer("mapping1").kernel.shape == (3, 3, 8, 8)
    assert split.get_layer("sr_subpixel").kernel.shape[2] == 16
    data = rng.uniform(0, 1, (2, 11, 13, 1)).astype("float32")
    np.testing.assert_allclose(_np(split(data)), _np(sub(data)), rtol=0, atol=1e-6)


def test_shipped_fsrcnn_x3_rewrite_is_exact_in_float(rng):
    model = models.get("fsrcnn", scale=3, channels=1, weights="pretrained")
    sub, _ = transposed_to_subpixel(model)
    split, replaced = split_prelu(sub)
    assert len(replaced) == 7
    data = rng.uniform(0, 1, (2, 37, 29, 1)).astype("float32")
    # float32 sums in another order (112 inputs instead of 56): up to ~2e-6 of outputs
    # reaching 1.7; the tiny model above stays within 1e-6
    np.testing.assert_allclose(_np(split(data)), _np(sub(data)), rtol=0, atol=5e-6)


def _chain(prelu, second_reader=False, prelu_is_output=False, conv_also_output=False,
           size=None):
    lr = keras.Input((size, size, 2), name="lr")
    x = keras.layers.Conv2D(3, 3, padding="same", name="a")(lr)
    y = prelu(x)
    outputs = [y] if prelu_is_output else [keras.layers.Conv2D(1, 3, padding="same",
                                                               name="b")(y)]
    if second_reader:
        outputs.append(keras.layers.Add(name="add")([y, y]))
    if conv_also_output:
        outputs.append(x)
    return keras.Model(lr, outputs if len(outputs) > 1 else outputs[0])


@pytest.mark.parametrize("case", ["spatial_slope", "add_reads_it", "model_output",
                                  "conv_output_read_twice"])
def test_chains_that_do_not_qualify_are_cloned(case, rng):
    shared = keras.layers.PReLU(shared_axes=[1, 2], name="p")
    build = {"spatial_slope": lambda: _chain(keras.layers.PReLU(name="p"), size=6),
             "add_reads_it": lambda: _chain(shared, second_reader=True),
             "model_output": lambda: _chain(shared, prelu_is_output=True),
             "conv_output_read_twice": lambda: _chain(shared, conv_also_output=True)}[case]
    model = build()
    new, replaced = split_prelu(model)
    assert replaced == []
    assert any(isinstance(layer, keras.layers.PReLU) for layer in new.layers)
    data = rng.uniform(0, 1, (1, 6, 6, 2)).astype("float32")
    for got, want in zip(keras.tree.flatten(new(data)), keras.tree.flatten(model(data))):
        np.testing.assert_allclose(_np(got), _np(want), atol=1e-6)


def test_a_qat_model_is_refused():
    model = _chain(keras.layers.PReLU(shared_axes=[1, 2], name="p"))
    with pytest.raises(ValueError, match="split_prelu: .* is a QAT model"):
        split_prelu(quantize_model(model))


@pytest.mark.tf_only
def test_a_qat_model_is_re_expressed_and_converts_to_relu_convs_only(tmp_path, rng):
    """split_prelu_qat keeps the learned ranges (a split conv's is its PReLU's), and
    its int8 file has no PRELU and no float op, and computes what the Keras twin does."""
    from keras_sr.export import export_tflite, integer_core_problems, list_ops
    from keras_sr.quantization.split_prelu import split_prelu_qat
    from keras_sr.runtime import TFLiteModel

    keras.utils.set_random_seed(0)
    model = models.get("fsrcnn", scale=3, channels=1, filters=8, shrink_filters=4,
                       num_blocks=1)
    _random_slopes(model, rng)
    sub, _ = transposed_to_subpixel(model)
    data = rng.uniform(0, 1, (8, 12, 12, 1)).astype("float32")
    qat = quantize_model(sub, activation_range="learned", calibration_data=data)
    split, replaced = split_prelu_qat(qat)
    assert len(replaced) == 4 and not any(
        isinstance(layer, keras.layers.PReLU) for layer in split.layers)
    low = float(_np(qat.get_layer("feature_extraction_prelu_quant").range_min))
    high = float(_np(qat.get_layer("feature_extraction_prelu_quant").range_max))
    new = split.get_layer("feature_extraction_quant")
    assert float(_np(new.range_min)) == 0.0
    assert float(_np(new.range_max)) == pytest.approx(max(high, -low))
    # one int8 step of the output is 1/255: the two Keras models differ by a few steps
    assert np.abs(_np(split(data)) - _np(qat(data))).mean() < 4 / 255
    path = export_tflite(qat, tmp_path / "split.tflite", quantize="int8-qat")
    ops = list_ops(path)
    assert integer_core_problems(ops) == []
    assert {op["op"] for op in ops} == {"QUANTIZE", "CONV_2D", "DEPTH_TO_SPACE", "DEQUANTIZE"}
    lite = TFLiteModel(path)(data[:1])
    assert np.abs(lite - _np(split(data[:1]))).max() <= 2 / 255 + 1e-6
