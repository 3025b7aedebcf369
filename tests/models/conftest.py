"""The contract every generator in keras_sr.models must meet, as reusable checks.

Fixture ``contract`` gives the checks; each takes a built model (or a builder) and
tiny inputs, so the whole contract costs a few seconds per model. Discriminators meet
the identity and save/load parts (they have no scale).
"""

import types

import keras
import numpy as np
import pytest

from keras_sr import models


# One odd, non-square size shared by the checks: on JAX every new shape recompiles each
# op of an eagerly called model, so reusing one shape keeps the suite fast there.
SIZE = (13, 10)


def check_io(model, scale, channels, sizes=None, upsampled=False):
    """Input ``lr`` (None, None, channels) float32, output ``sr`` scale x the size."""
    assert model.inputs[0].name == "lr"
    assert tuple(model.inputs[0].shape) == (None, None, None, channels)
    assert model.output_names == ["sr"]
    factor = 1 if upsampled else scale
    if sizes is None:
        sizes = (SIZE, (12, 12)) if keras.backend.backend() == "tensorflow" else (SIZE,)
    rng = np.random.default_rng(0)
    for height, width in sizes:
        lr = rng.uniform(size=(1, height, width, channels)).astype("float32")
        sr = keras.ops.convert_to_numpy(model(lr, training=False))
        assert sr.shape == (1, height * factor, width * factor, channels)
        assert sr.dtype == np.float32
        assert np.isfinite(sr).all()


def check_identity(model, name, scale, channels):
    """The model is an ``SRModel`` that knows its registry name, scale and channels."""
    assert isinstance(model, models.SRModel)
    assert (model.name, model.scale, model.channels) == (name, scale, channels)
    assert model.inputs[0].shape[-1] == channels


def check_save_load(model, tmp_path, size=SIZE):
    """``.keras`` round trip with safe mode on keeps the identity and the outputs."""
    channels = model.inputs[0].shape[-1]
    lr = np.random.default_rng(1).uniform(size=(1, *size, channels)).astype("float32")
    path = tmp_path / f"{model.name}.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    check_identity(loaded, model.name, model.scale, model.channels)
    expected = keras.ops.convert_to_numpy(model(lr, training=False))
    actual = keras.ops.convert_to_numpy(loaded(lr, training=False))
    np.testing.assert_array_equal(actual, expected)


def check_fit(model, scale, size=12, steps=2, upsampled=False):
    """Two ``fit`` steps on random pairs: finite loss and the weights move."""
    channels = model.inputs[0].shape[-1]
    rng = np.random.default_rng(2)
    factor = 1 if upsampled else scale
    lr = rng.uniform(size=(2 * steps, size, size, channels)).astype("float32")
    hr = rng.uniform(size=(2 * steps, size * factor, size * factor, channels)).astype(
        "float32")
    before = [np.array(w) for w in model.get_weights()]
    # Eager steps on TF skip tracing (seconds per model); JAX always compiles the step.
    eager = keras.backend.backend() == "tensorflow"
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mae", run_eagerly=eager)
    history = model.fit(lr, hr, batch_size=2, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    after = model.get_weights()
    changed = [not np.array_equal(b, a) for b, a in zip(before, after)]
    assert sum(changed) >= len(changed) // 2, f"only {sum(changed)}/{len(changed)} moved"


def to_tflite(model):
    """Float TFLite flatbuffer keeping the model's dynamic height/width (TF backend)."""
    import tensorflow as tf

    return tf.lite.TFLiteConverter.from_keras_model(model).convert()


def run_tflite(flatbuffer, inputs):
    """Run a TFLite model (dynamic input resized to ``inputs``) with LiteRT."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=flatbuffer)
    detail = interpreter.get_input_details()[0]
    interpreter.resize_tensor_input(detail["index"], list(inputs.shape))
    interpreter.allocate_tensors()
    interpreter.set_tensor(detail["index"], inputs)
    interpreter.invoke()
    return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])


def tflite_ops(flatbuffer):
    """Set of builtin op names in a TFLite flatbuffer."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=flatbuffer)
    return {op["op_name"] for op in interpreter._get_ops_details()}


def check_tflite(model, size=SIZE, atol=1e-4):
    """Float TFLite conversion matches Keras to ``atol`` at a size unknown when converting."""
    channels = model.inputs[0].shape[-1]
    lr = np.random.default_rng(3).uniform(size=(1, *size, channels)).astype("float32")
    flatbuffer = to_tflite(model)
    expected = keras.ops.convert_to_numpy(model(lr, training=False))
    actual = run_tflite(flatbuffer, lr)
    np.testing.assert_allclose(actual, expected, atol=atol, rtol=0)
    return flatbuffer


def check_mixed_precision(build, size=SIZE, policy="mixed_bfloat16"):
    """Under a mixed policy the model computes in low precision and outputs float32."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        model = build()
    finally:
        keras.config.set_dtype_policy(previous)
    compute = {layer.compute_dtype for layer in model.layers if layer.weights}
    assert policy.split("_")[1] in compute
    channels = model.inputs[0].shape[-1]
    lr = np.random.default_rng(4).uniform(size=(1, *size, channels)).astype("float32")
    sr = model(lr, training=False)
    assert keras.backend.standardize_dtype(sr.dtype) == "float32"
    assert np.isfinite(keras.ops.convert_to_numpy(sr)).all()


@pytest.fixture(scope="session")
def contract():
    return types.SimpleNamespace(
        check_io=check_io, check_identity=check_identity, check_save_load=check_save_load, check_fit=check_fit,
        check_tflite=check_tflite, check_mixed_precision=check_mixed_precision,
        to_tflite=to_tflite, run_tflite=run_tflite, tflite_ops=tflite_ops)
