"""``export_tflite``: convert a Keras SR model to a ``.tflite`` file (float or int8).

Conversion goes through ``tf.lite.TFLiteConverter.from_concrete_functions`` on a
``tf.function`` whose input is ``(1, H, W, C)`` with ``H`` and ``W`` left dynamic by
default (the interpreter resizes its input, see :class:`TFLiteModel`) or fixed for NPUs
and delegates that need static shapes. Needs the TensorFlow backend.
"""

from pathlib import Path

import numpy as np

from keras_sr.export.size_adapters import strip_size_adapters
from keras_sr.layers.resize import Resize
from keras_sr.models.mobile import rep_layers, reparameterize
from keras_sr.quantization import is_qat_model
from keras_sr.quantization.split_prelu import split_prelu, split_prelu_qat
from keras_sr.quantization.subpixel import as_subpixel

QUANTIZE_MODES = ("none", "float16", "dynamic", "int8-ptq", "int8-qat")
IO_TYPES = ("float32", "uint8", "int8")


def _layers(model):
    """Every layer of ``model``, nested models opened (public ``layers`` lists only)."""
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from _layers(layer)


def _check_int8_resize(model, quantize):
    """Refuse int8 conversion of a graph holding the in-graph bicubic ``Resize``.

    SRCNN and VDSR upscale inside the graph with ``keras_sr.layers.Resize`` (MATLAB
    bicubic as products with tap matrices). The TFLite int8 converter gets that layer
    wrong, measured on this machine with TF 2.21: a dynamic-size graph clamps its output
    to the calibration size (30x40 in, 90x96 out at x3), and even a fixed-size graph
    scores 0.9 dB against the float layer alone (shipped SRCNN 9-5-5 x3: 1.2 dB). Until
    the resize has an int8-friendly form, int8 export of such models is refused.
    """
    if not quantize.startswith("int8"):
        return
    resizes = [layer.name for layer in _layers(model) if isinstance(layer, Resize)]
    if resizes:
        raise ValueError(
            f"export_tflite: {model.name!r} upscales inside the graph with Resize "
            f"({', '.join(resizes)}), which the TFLite int8 converter gets wrong (output "
            f"clamped to the calibration size, ~1 dB PSNR); {quantize} is refused. Export "
            "float32/float16, or export the network without its bicubic upscaling and "
            "upscale outside it (docs/import.md does this for VDSR)")


def _check_args(model, quantize, io, input_size, representative_data):
    import keras

    if keras.backend.backend() != "tensorflow":
        raise RuntimeError("export_tflite needs the TensorFlow backend (KERAS_BACKEND="
                           f"tensorflow); the current backend is {keras.backend.backend()!r}")
    if quantize not in QUANTIZE_MODES:
        raise ValueError(f"export_tflite: unknown `quantize` {quantize!r}; expected one of "
                         f"{QUANTIZE_MODES}")
    if io not in IO_TYPES:
        raise ValueError(f"export_tflite: unknown `io` {io!r}; expected one of {IO_TYPES}")
    if io != "float32" and not quantize.startswith("int8"):
        raise ValueError(f"export_tflite: io={io!r} needs an int8 model; got quantize="
                         f"{quantize!r} (use io='float32' or quantize='int8-ptq'/'int8-qat')")
    if quantize == "int8-ptq" and representative_data is None:
        raise ValueError("export_tflite: quantize='int8-ptq' needs `representative_data` "
                         "(LR images in [0, 1]) to calibrate activation ranges")
    if quantize == "int8-qat" and not is_qat_model(model):
        raise ValueError(f"export_tflite: quantize='int8-qat' needs a model from "
                         f"keras_sr.quantization.quantize_model; {model.name!r} has no "
                         "fake-quant layers (use quantize='int8-ptq' for a float model)")
    if input_size is not None:
        if (len(tuple(input_size)) != 2
                or not all(isinstance(v, (int, np.integer)) and v > 0 for v in input_size)):
            raise ValueError(f"export_tflite: `input_size` must be (height, width) positive "
                             f"ints or None (dynamic); got {input_size!r}")
    _check_int8_resize(model, quantize)


def representative_batches(data, limit=None):
    """Yield ``[batch]`` lists of ``(1, h, w, c)`` float32 arrays for the converter.

    Args:
        data: array ``(N, h, w, c)``, a list of ``HxWxC`` / ``1xHxWxC`` arrays, or a
            callable returning such an iterable.
        limit: optional int, stop after that many samples.
    """
    if callable(data):
        data = data()
    for index, item in enumerate(data):
        if limit is not None and index >= limit:
            break
        array = np.asarray(item, dtype="float32")
        if array.ndim == 3:
            array = array[None]
        if array.ndim != 4 or array.shape[0] != 1:
            raise ValueError("representative_data: each sample must be HxWxC or 1xHxWxC; "
                             f"got shape {array.shape}")
        yield [array]


def _synthetic_batches(channels, input_size, count=16, seed=0):
    """Smooth random images: calibration of the few QAT tensors without a fake-quant."""
    rng = np.random.default_rng(seed)
    height, width = input_size if input_size is not None else (48, 48)
    batches = []
    for _ in range(count):
        coarse = rng.uniform(0.0, 1.0, (1, height // 4 + 1, width // 4 + 1, channels))
        fine = np.repeat(np.repeat(coarse, 4, axis=1), 4, axis=2)[:, :height, :width]
        noise = rng.normal(0.0, 0.05, fine.shape)
        batches.append(np.clip(fine + noise, 0.0, 1.0).astype("float32"))
    return batches


def _converter(model, input_size):
    import keras
    import tensorflow as tf

    channels = model.input_shape[-1]
    height, width = input_size if input_size is not None else (None, None)
    spec = tf.TensorSpec((1, height, width, channels), tf.float32, name="lr")

    # The weights and activation ranges are read as constants (``keras.StatelessScope``),
    # so the converter folds the weight fake-quants into int8 tensors.
    constants = [(v, tf.constant(keras.ops.convert_to_numpy(v))) for v in model.variables]

    # autograph=False: the body has no tensor-dependent Python control flow, and
    # AutoGraph would only warn that it cannot convert Keras's internal generators.
    @tf.function(input_signature=[spec], autograph=False)
    def serve(lr):
        with keras.StatelessScope(state_mapping=constants):
            return model(lr, training=False)

    return tf.lite.TFLiteConverter.from_concrete_functions([serve.get_concrete_function()],
                                                           tf.Module())


def clip_output(model):
    """``model`` followed by the clip to [0, 1] as an 8-bit fake quant on [0, 1].

    Used before int8 PTQ: the output tensor gets the int8 grid of [0, 1] (scale 1/255,
    zero point -128) whatever the calibration saw, so no int8 level is spent on
    overshoots and the int8 saturation *is* the clip: no op is added. It is the fixed
    output quantizer of the QAT models (``ActivationQuantizer(mode="fixed")``). A
    ``ReLU(max_value=1)`` here became int8 ``MINIMUM`` + ``RELU``, which XNNPACK does not
    take: about 10 ms on a 1080p Y output with 2 x86 threads.
    """
    import keras

    from keras_sr.quantization.activation_quantizer import ActivationQuantizer

    clipped = ActivationQuantizer(mode="fixed", fixed_range=(0.0, 1.0),
                                  name="clip_0_1")(model.outputs[0])
    return keras.Model(model.inputs, clipped, name=model.name)


def convert(model, quantize="none", representative_data=None, input_size=None,
            io="float32", subpixel=True, clip=True):
    """Return the ``.tflite`` flatbuffer (bytes) of ``model``; see :func:`export_tflite`."""
    import tensorflow as tf

    _check_args(model, quantize, io, input_size, representative_data)
    if subpixel:
        model, _ = as_subpixel(model)
    if quantize == "int8-ptq" and clip:
        model = clip_output(model)
    converter = _converter(model, input_size)
    if quantize == "float16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    elif quantize == "dynamic":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    elif quantize.startswith("int8"):
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        # Full-integer ops only: conversion fails rather than leave a float op.
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        if representative_data is None:  # int8-qat without data: synthetic calibration
            representative_data = _synthetic_batches(model.input_shape[-1], input_size)
        converter.representative_dataset = lambda: representative_batches(
            representative_data)
        if io != "float32":
            converter.inference_input_type = getattr(tf, io)
            converter.inference_output_type = getattr(tf, io)
    return converter.convert()


def _has_prelus_to_split(model):
    """True when ``model`` (float or QAT) has a top-level ``PReLU`` and no nested model:
    what ``split_prelu`` can rewrite (a nested model keeps its ``PRELU`` ops)."""
    import keras

    layers = model.layers
    return (any(isinstance(layer, keras.layers.PReLU) for layer in layers)
            and not any(isinstance(layer, keras.Model) for layer in layers))


def export_tflite(model, path, quantize="none", representative_data=None, input_size=None,
                  io="float32", metadata=None, subpixel=True, split_prelus=True, clip=True):
    """Convert ``model`` to TFLite, write ``path`` and its sidecar JSON; return ``path``.

    Args:
        model: ``keras.Model`` taking ``lr`` ``(1, h, w, c)`` in [0, 1] (a QAT model from
            ``keras_sr.quantization.quantize_model`` for ``"int8-qat"``).
        path: str or Path of the ``.tflite`` file; the sidecar is ``path`` with the suffix
            ``.json`` (``model.tflite`` -> ``model.json``).
        quantize: ``"none"`` (float32), ``"float16"`` (float16 weights),
            ``"dynamic"`` (int8 weights, float activations), ``"int8-ptq"`` (full int8,
            ranges from ``representative_data``, output on the int8 grid of [0, 1]) or
            ``"int8-qat"`` (full int8, ranges from the fake-quant layers).
        representative_data: LR images in [0, 1] for ``"int8-ptq"`` (array
            ``(N, h, w, c)``, list of arrays or a callable returning one); 50-200 patches
            of 64x64 px are plenty.
        input_size: None (dynamic height and width) or ``(height, width)`` in LR px.
            Dynamic: a model that pads its input to a multiple and crops its output
            back (``plainsr_wide``) is converted without that pad and crop, for sizes
            that are multiples; the sidecar's ``size_multiple`` says so and
            :class:`keras_sr.runtime.TFLiteModel` pads and crops around the file
            (``keras_sr.export.size_adapters``).
        io: input / output dtype of int8 models: ``"float32"`` (quantize inside),
            ``"uint8"`` or ``"int8"``.
        metadata: optional dict merged into the sidecar (e.g. ``{"model": "espcn"}``).
        subpixel: rewrite strided ``"same"`` ``Conv2DTranspose`` layers of a float model
            as ``CONV_2D`` + ``DEPTH_TO_SPACE`` (same outputs; FSRCNN x3 runs ~7x faster
            in LiteRT on a CPU and gets per-channel int8 weights). QAT models are
            converted as they are: rewrite the float model before ``quantize_model``.
            Re-parameterizable blocks (``RepConv3x3``, PlainSR) are always folded into
            plain ``Conv2D`` first (:func:`keras_sr.models.reparameterize`, same outputs);
            the sidecar lists them under ``"folded_rep_blocks"``.
        split_prelus: for the int8 modes, re-express conv -> per-channel PReLU -> conv
            chains as convs with a fused ReLU (``keras_sr.quantization.split_prelu``:
            ``split_prelu`` before PTQ calibration, ``split_prelu_qat`` on a QAT model),
            the same function with only ops XNNPACK runs in int8 (it has no int8
            ``PRELU``): 3x FSRCNN x3's MACs, 2.4x / 4.9x faster with 1 / 2 threads
            (docs/export.md). The removed PReLUs are listed in the sidecar
            (``prelu_as_split_relu``). False keeps the ``PRELU`` ops.
        clip: for ``"int8-ptq"``, fix the output's int8 grid to [0, 1] (an image's range;
            :func:`clip_output`; no op in the file, the saturation clips). False for
            outputs that are not images, e.g. a lone conv timed as a speed probe.

    Returns:
        ``Path`` of the written ``.tflite`` file.
    """
    from keras_sr.export.sidecar import build_sidecar, write_sidecar

    path = Path(path)
    folded = [layer.name for layer in rep_layers(model)]
    if folded:
        model = reparameterize(model)
    to_convert, replaced = as_subpixel(model) if subpixel else (model, [])
    split = []
    if split_prelus and quantize in ("int8-ptq", "int8-qat") and _has_prelus_to_split(
            to_convert):
        splitter = split_prelu_qat if is_qat_model(to_convert) else split_prelu
        to_convert, split = splitter(to_convert)
    adapters = None
    if input_size is None:  # the runner pads and crops (XNNPACK keeps the whole graph)
        to_convert, adapters = strip_size_adapters(to_convert)
    flatbuffer = convert(to_convert, quantize, representative_data, input_size, io,
                         subpixel=False, clip=clip)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(flatbuffer)
    extra = dict(metadata or {})
    if replaced:
        extra["transposed_conv_as_subpixel"] = replaced
    if folded:
        extra["folded_rep_blocks"] = folded
    if split:
        extra["prelu_as_split_relu"] = split
    if adapters:
        extra["size_multiple"] = adapters
    sidecar = build_sidecar(model, path, quantize=quantize, input_size=input_size,
                            extra=extra or None)
    write_sidecar(path, sidecar)
    return path
