"""Rewrite conv -> per-channel ``PReLU`` -> conv as convs with a fused ReLU (exactly).

``PReLU(x) = relu(x) - sign(alpha) * relu(-|alpha| x)`` for a per-channel slope
``alpha``. When ``x`` is the output of a linear ``Conv2D`` (kernel ``K``, bias ``b``)
read by nothing else, the conv with kernel ``[K, -|alpha| K]`` and bias
``[b, -|alpha| b]`` (twice the filters) and a ReLU returns
``[relu(x), relu(-|alpha| x)]``, the positive and the (scaled) negative side of the
PReLU; every ``Conv2D`` reading the PReLU's output (kernel ``W`` over its input
channels) then reads those ``2C`` channels with kernel ``[W, -sign(alpha) W]``. Zero
padding stays exact (``PReLU(0) = relu(0) = 0``). Keeping the slope in the first conv
keeps the values where the PReLU's output was (FSRCNN x3's first conv spans [-4.4, 1.0],
its PReLU output about [-1.1, 1.0]), so one int8 range fits both halves.

Why: LiteRT's XNNPACK delegate has no int8 ``PRELU`` kernel, so an int8 FSRCNN ran its
seven PReLUs on the reference kernels (x3, 640x360 on this project's 2-core x86 machine:
256 ms with 2 threads, 69 ms in float32; split: 52 ms). After the rewrite the int8 graph
is ``CONV_2D`` with fused ReLU and ``DEPTH_TO_SPACE`` only, which XNNPACK runs; the
slopes move into the next conv's per-channel int8 weights, and the activations between
convs need one range ``[0, max |x|]`` instead of a range for the conv's output and one
for the PReLU's. The price is arithmetic: each rewritten conv has twice the filters and its consumers twice the
input channels (FSRCNN(56, 12, 4) x3: 12,464 -> 37,984 MACs per LR pixel).
"""

import keras
import numpy as np

from keras_sr.quantization.activation_quantizer import ActivationQuantizer
from keras_sr.quantization.fake_quant import fake_quant_tensor
from keras_sr.quantization.graph import clone_call, functional_graph, rebuild_model
from keras_sr.quantization.quantize_model import quantize_model
from keras_sr.quantization.quantized_layers import (
    QuantizedConv2D, QuantizedConv2DTranspose, QuantizedPReLU)

_FLOAT_OF = {QuantizedConv2D: keras.layers.Conv2D,
             QuantizedConv2DTranspose: keras.layers.Conv2DTranspose,
             QuantizedPReLU: keras.layers.PReLU}


def _per_channel_alpha(prelu):
    """The slope of ``prelu`` as a ``(C,)`` array, or None when it varies over space."""
    alpha = np.asarray(prelu.get_weights()[0])
    if alpha.ndim == 0:
        return None
    if any(size != 1 for size in alpha.shape[:-1]):
        return None
    return alpha.reshape(-1)


def _reads_channels(layer):
    """A plain channels-last ``Conv2D`` (any activation): its kernel can take 2C inputs."""
    return (type(layer) is keras.layers.Conv2D and layer.data_format == "channels_last"
            and int(layer.groups) == 1)


def _is_linear_conv2d(layer):
    return _reads_channels(layer) and keras.activations.serialize(layer.activation) == "linear"


def _splittable(graph, node):
    """``(conv node, alpha)`` when PReLU ``node`` can be rewritten, else None."""
    layer = node.operation
    if type(layer) is not keras.layers.PReLU or len(node.input_tensors) != 1:
        return None
    alpha = _per_channel_alpha(layer)
    (source,) = node.input_tensors
    (output,) = node.outputs
    producer = graph.producer.get(source)
    if alpha is None or producer is None or producer.is_input:
        return None
    if not _is_linear_conv2d(producer.operation) or source in graph.outputs:
        return None
    if len(graph.consumers.get(source, [])) != 1 or output in graph.outputs:
        return None
    readers = graph.consumers.get(output, [])
    if not readers or not all(_reads_channels(r.operation) for r in readers):
        return None
    return producer, alpha


def _plan(graph):
    """``[(PReLU node, the conv node before it, alpha (C,))]`` for every chain to split."""
    plan = []
    for node in graph.nodes:
        found = None if node.is_input else _splittable(graph, node)
        if found is not None:
            plan.append((node, *found))
    return plan


def _call_split_conv(layer, args, kwargs, input_alpha, output_alpha):
    """Call a ``Conv2D`` copy of ``layer`` rewritten for the split PReLUs around it.

    ``input_alpha`` (``(C,)`` or None): the slope of the split PReLU it reads, whose
    ``[relu(x), relu(-|alpha| x)]`` channels the kernel ``[W, -sign(alpha) W]`` reads.
    ``output_alpha`` (``(C,)`` or None): the slope of the PReLU after it, which it
    replaces with kernel ``[K, -|alpha| K]``, bias ``[b, -|alpha| b]`` and a fused ReLU.
    Returns the copy's outputs.
    """
    weights = layer.get_weights()
    kernel = np.asarray(weights[0])
    bias = np.asarray(weights[1]) if layer.use_bias else None
    if input_alpha is not None:
        sign = np.sign(input_alpha).astype(kernel.dtype)
        kernel = np.concatenate([kernel, -sign[None, None, :, None] * kernel], axis=2)
    config = layer.get_config()
    if output_alpha is not None:
        size = np.abs(output_alpha).astype(kernel.dtype)
        kernel = np.concatenate([kernel, -size * kernel], axis=3)
        bias = None if bias is None else np.concatenate([bias, -size * bias])
        config.update(filters=int(kernel.shape[-1]), activation="relu")
    clone = keras.layers.Conv2D.from_config(config)
    outputs = clone(*args, **kwargs)
    clone.set_weights([kernel] + ([bias] if bias is not None else []))
    return outputs


def split_prelu(model):
    """Return a copy of a float functional model with every conv -> per-channel PReLU ->
    conv(s) chain rewritten as convs with a fused ReLU (same outputs up to float
    rounding); other layers are cloned with their weights.

    Args:
        model: functional ``keras.Model`` (float, not a QAT model).

    Returns:
        ``(new_model, replaced)``: the copy and the names of the removed PReLU layers
        (empty when no chain qualifies: the copy is then a plain clone). A PReLU
        qualifies when its slope is per channel (``shared_axes`` covers height and
        width), its input is the output of a linear ``Conv2D`` read by nothing else, and
        only ``Conv2D`` layers read its output.

    Example:
        >>> import keras, numpy as np
        >>> x = keras.Input((None, None, 1))
        >>> h = keras.layers.Conv2D(4, 3, padding="same", name="a")(x)
        >>> h = keras.layers.PReLU(shared_axes=[1, 2], name="a_prelu")(h)
        >>> y = keras.layers.Conv2D(1, 3, padding="same", name="b")(h)
        >>> model = keras.Model(x, y)
        >>> model.get_layer("a_prelu").set_weights([np.full((1, 1, 4), 0.25, "float32")])
        >>> split, replaced = split_prelu(model)
        >>> replaced, split.get_layer("a").filters, split.get_layer("a").activation.__name__
        (['a_prelu'], 8, 'relu')
        >>> lr = np.random.default_rng(0).uniform(0, 1, (1, 8, 8, 1)).astype("float32")
        >>> bool(np.abs(split.predict(lr, verbose=0) - model.predict(lr, verbose=0)).max() < 1e-5)
        True
    """
    if any(isinstance(layer, ActivationQuantizer) for layer in model.layers):
        raise ValueError(f"split_prelu: {model.name!r} is a QAT model; rewrite the float "
                         "model before quantize_model")
    graph = functional_graph(model, "split_prelu")
    split, doubled_outputs = {}, {}  # id(PReLU node) -> alpha; id(conv node) -> alpha
    for prelu_node, producer, alpha in _plan(graph):
        split[id(prelu_node)] = alpha
        doubled_outputs[id(producer)] = alpha
    # alpha of the split PReLU feeding each conv node
    reads_split = {}
    for node in graph.nodes:
        if id(node) in split:
            (output,) = node.outputs
            for reader in graph.consumers.get(output, []):
                reads_split[id(reader)] = split[id(node)]

    replaced = []

    def call_node(node, args, kwargs):
        layer = node.operation
        if id(node) in split:
            replaced.append(layer.name)
            return args[0]  # the conv before returns [relu(x), relu(-|alpha| x)]
        if id(node) not in doubled_outputs and id(node) not in reads_split:
            return clone_call(layer, args, kwargs)
        return _call_split_conv(layer, args, kwargs, reads_split.get(id(node)),
                                doubled_outputs.get(id(node)))

    return rebuild_model(model, graph, call_node), replaced


def _float_twin(qat_model):
    """The float model under a QAT model: quantizers dropped, quantized layers as their
    Keras classes, PReLU slopes at their fake-quantized (int8 per tensor) values."""
    def call_node(node, args, kwargs):
        layer = node.operation
        if isinstance(layer, ActivationQuantizer):
            return args[0]
        clone = _FLOAT_OF.get(type(layer), type(layer)).from_config(layer.get_config())
        outputs = clone(*args, **kwargs)
        weights = layer.get_weights()
        if isinstance(layer, QuantizedPReLU):
            alpha = layer.alpha
            weights = [keras.ops.convert_to_numpy(fake_quant_tensor(
                alpha, keras.ops.min(alpha), keras.ops.max(alpha)))]
        clone.set_weights(weights)
        return outputs

    return rebuild_model(qat_model, functional_graph(qat_model, "split_prelu_qat"), call_node)


def split_prelu_qat(qat_model):
    """Re-express a fine-tuned QAT model (from ``quantize_model``) with its conv -> PReLU
    -> conv chains split as in :func:`split_prelu`, keeping what fine-tuning learned.

    The float weights (PReLU slopes at their int8 values) go through :func:`split_prelu`
    and :func:`quantize_model`; every activation range is copied by name, and the range
    of a split conv's ``[relu(x), relu(-|alpha| x)]`` output is ``[0, max(hi, -lo)]``
    from its PReLU's learned output range ``[lo, hi]``. The conv's own output quantizer
    (before the PReLU) disappears, so the result is close to, not equal to, the PReLU
    QAT model; it is the Keras twin of the int8 graph it converts to.

    Args:
        qat_model: a QAT model from :func:`quantize_model` (after fine-tuning).

    Returns:
        ``(new_qat_model, replaced)``: the re-expressed QAT model and the names of the
        removed PReLU layers, or ``(qat_model, [])`` when no chain qualifies.
    """
    quantizers = {layer.name: layer for layer in qat_model.layers
                  if isinstance(layer, ActivationQuantizer)}
    if not quantizers:
        raise ValueError(f"split_prelu_qat: {qat_model.name!r} has no fake quantizers; "
                         "use split_prelu on a float model")
    twin = _float_twin(qat_model)
    # quantizer after a split conv -> the quantizer after its PReLU in qat_model
    prelu_of = {f"{producer.operation.name}_quant": f"{prelu.operation.name}_quant"
                for prelu, producer, _ in _plan(functional_graph(twin, "split_prelu_qat"))}
    split, replaced = split_prelu(twin)
    if not replaced:
        return qat_model, []
    modes = [q.mode for q in quantizers.values() if q.mode != "fixed"] or ["ema"]
    new = quantize_model(split, activation_range=modes[0])
    for layer in new.layers:
        if not isinstance(layer, ActivationQuantizer) or layer.mode == "fixed":
            continue
        source = quantizers.get(prelu_of.get(layer.name, layer.name))
        if source is None or source.mode == "fixed":
            raise ValueError(f"split_prelu_qat: no learned range for {layer.name!r} in "
                             f"{qat_model.name!r}")
        low = float(keras.ops.convert_to_numpy(source.range_min))
        high = float(keras.ops.convert_to_numpy(source.range_max))
        if layer.name in prelu_of:
            low, high = 0.0, max(high, -low)
        layer.range_min.assign(low)
        layer.range_max.assign(high)
        layer.observed.assign(1.0)
    return new, replaced


__all__ = ["split_prelu", "split_prelu_qat"]
