"""Channel rescalings that make a float model cheaper to quantize to int8.

``equalize_tanh_ranges``: the TFLite int8 ``TANH`` kernel writes its output on the
fixed grid of step 1/128 on [-1, 1]. A conv whose tanh pre-activations stay within a
few hundredths of zero (the MSE-trained ESPCN first shipped: std ~0.03, max 0.12-0.31
per channel in ``conv1``) then uses only a few dozen of the 256 int8 levels, and that
rounding costs ~0.25 dB on Set5. Scaling channel ``c`` of the conv by ``k_c >= 1`` and
the matching input channel of the next conv by ``1 / k_c`` uses more levels; as
``tanh`` is only near-linear, the float function changes slightly (retrain after it).

``equalize_channel_ranges``: the same rescaling where it is exact (through linear,
ReLU, LeakyReLU and PReLU activations), used to give every channel of a per-tensor
activation quantizer a similar span before post-training quantization.
"""

import numpy as np

from keras_sr.quantization.graph import functional_graph


def _users(model, caller):
    """``(nodes, users_of)``: the model's nodes and a function giving the nodes that read
    a tensor, or None for a model output (which must keep its values)."""
    graph = functional_graph(model, caller)

    def users_of(key):
        return None if key in graph.outputs else graph.consumers.get(key, [])

    return graph.nodes, users_of


def _tanh_pairs(model):
    """(producer conv, consumer conv) pairs: conv(tanh) whose only user is a Conv2D."""
    import keras

    pairs = []
    nodes, users_of = _users(model, "equalize_tanh_ranges")
    for node in nodes:
        layer = node.operation
        if type(layer) is not keras.layers.Conv2D or not layer.use_bias:
            continue
        if getattr(layer.activation, "__name__", "") != "tanh":
            continue
        (key,) = node.outputs
        users = users_of(key)
        if users and len(users) == 1 and type(users[0].operation) is keras.layers.Conv2D \
                and users[0].operation.groups == 1:
            pairs.append((layer, users[0].operation, layer.output))
    return pairs


def _checked_copy(model, data, caller):
    """``(data as float32 (N, h, w, c), a clone of model with its weights)``."""
    import keras

    data = np.asarray(data, dtype="float32")
    if data.ndim != 4:
        raise ValueError(f"{caller}: `data` must be (N, h, w, c); got shape {data.shape}")
    new_model = keras.models.clone_model(model)
    new_model.set_weights(model.get_weights())
    return data, new_model


def _rescale(producer, consumer, scale):
    """Scale output channel c of ``producer`` (kernel and bias) by ``scale[c]`` and input
    channel c of ``consumer`` (a ``Conv2D`` or ``Conv2DTranspose``) by ``1 / scale[c]``."""
    import keras

    kernel, bias = producer.get_weights()
    producer.set_weights([kernel * scale, bias * scale])
    weights = consumer.get_weights()
    if type(consumer) is keras.layers.Conv2DTranspose:
        weights[0] = weights[0] / scale[None, None, None, :]  # (kh, kw, out, in)
    else:
        weights[0] = weights[0] / scale[None, None, :, None]  # (kh, kw, in, out)
    consumer.set_weights(weights)


def equalize_tanh_ranges(model, data, target=0.3, batch_size=8):
    """Return a float copy of ``model`` whose small tanh pre-activations are scaled up.

    Args:
        model: functional ``keras.Model`` (float). Pairs ``Conv2D(activation="tanh")`` ->
            ``Conv2D`` (the first conv's only user) are rescaled; other layers are copied.
        data: LR batches ``(N, h, w, c)`` float32 in [0, 1] giving the activation ranges.
        target: float > 0, channel ``c`` is scaled by ``max(target / max|z_c|, 1)`` with
            ``z_c`` its pre-activation on ``data`` (channels already wider are kept).
        batch_size: int, batch size of the range pass.

    Returns:
        ``(new_model, scales)``: the rescaled copy and a dict ``{conv name: per-channel
        scale array}``.
    """
    import keras
    from keras import ops

    if not float(target) > 0.0:
        raise ValueError(f"equalize_tanh_ranges: `target` must be > 0; got {target!r}")
    data, new_model = _checked_copy(model, data, "equalize_tanh_ranges")
    scales = {}
    for producer, consumer, tensor in _tanh_pairs(new_model):
        inputs = new_model.inputs[0] if len(new_model.inputs) == 1 else new_model.inputs
        probe = keras.Model(inputs, tensor)
        peak = np.zeros(producer.filters, dtype="float64")
        for start in range(0, len(data), batch_size):
            y = np.asarray(ops.convert_to_numpy(probe(data[start:start + batch_size])))
            z = np.arctanh(np.clip(y, -0.999999, 0.999999))
            peak = np.maximum(peak, np.abs(z).reshape(-1, z.shape[-1]).max(axis=0))
        scale = np.maximum(float(target) / np.maximum(peak, 1e-6), 1.0).astype("float32")
        _rescale(producer, consumer, scale)
        scales[producer.name] = scale
    return new_model, scales


# Activations f with f(s * x) = s * f(x) for s > 0: scaling a channel before them and
# dividing the next conv's matching input channel by the same s leaves the model's
# function unchanged.
_HOMOGENEOUS_ACTIVATIONS = ("linear", "relu")


def _is_homogeneous_layer(layer):
    """True for PReLU, LeakyReLU, a plain (unclipped, zero-threshold) ReLU layer and
    ``Activation("relu")``."""
    import keras

    if type(layer) in (keras.layers.PReLU, keras.layers.LeakyReLU):
        return True
    if type(layer) is keras.layers.Activation:
        return getattr(layer.activation, "__name__", "") in _HOMOGENEOUS_ACTIVATIONS
    if type(layer) is keras.layers.ReLU:
        return layer.max_value is None and float(layer.threshold) == 0.0
    return False


def _channel_pairs(model):
    """(producer conv, consumer conv, producer output) triples that can be rescaled.

    The producer is a ``Conv2D`` with bias and a linear or ReLU activation whose output
    goes, directly or through one PReLU / LeakyReLU / ReLU / ``Activation("relu")``
    layer, to exactly one ``Conv2D`` (``groups == 1``) or ``Conv2DTranspose``, and
    nowhere else.
    """
    import keras

    nodes, users_of = _users(model, "equalize_channel_ranges")
    pairs = []
    for node in nodes:
        layer = node.operation
        if type(layer) is not keras.layers.Conv2D or not layer.use_bias:
            continue
        if getattr(layer.activation, "__name__", "") not in _HOMOGENEOUS_ACTIVATIONS:
            continue
        (key,) = node.outputs
        users = users_of(key)
        if not users or len(users) != 1:
            continue
        user = users[0]
        if _is_homogeneous_layer(user.operation):
            users = users_of(user.outputs[0])
            if not users or len(users) != 1:
                continue
            user = users[0]
        consumer = user.operation
        if (type(consumer) is keras.layers.Conv2D and consumer.groups == 1) or (
                type(consumer) is keras.layers.Conv2DTranspose):
            pairs.append((layer, consumer, layer.output))
    return pairs


def equalize_channel_ranges(model, data, strength=1.0, batch_size=8, max_scale=16.0,
                            layers=None):
    """Return an equivalent float copy of ``model`` with evened-out channel ranges.

    int8 activations are quantized per tensor: one channel spanning [-4.7, 0.5] among
    channels spanning ~0.5 (the shipped FSRCNN x3's first conv) sets the range of all of
    them and leaves the others a few dozen levels. For every conv -> (PReLU | LeakyReLU
    | ReLU) -> conv chain (see ``_channel_pairs``) channel ``c`` of the first conv is
    scaled by ``s_c`` and input channel ``c`` of the second by ``1 / s_c``. These
    activations commute with positive scaling, so the copy computes the same function
    up to float rounding (unlike :func:`equalize_tanh_ranges`).

    Args:
        model: functional ``keras.Model`` (float).
        data: LR batches ``(N, h, w, c)`` float32 in [0, 1] giving the channel ranges.
        strength: float in [0, 1]. ``s_c = (median_span / span_c) ** strength`` where
            ``span_c = max - min`` of the channel's pre-activation on ``data``: 1 gives
            every channel the median span; smaller values trade activation resolution
            against the spread this puts into the next conv's weights (quantized per
            output channel, or per tensor for ``Conv2DTranspose`` in TFLite).
        batch_size: int, batch size of the range pass.
        max_scale: float >= 1, ``s_c`` is kept within ``[1 / max_scale, max_scale]``.
        layers: optional names of producer convs to rescale (default: every pair).

    Returns:
        ``(new_model, scales)``: the rescaled copy and ``{producer conv name: s}``.
    """
    import keras
    from keras import ops

    if not 0.0 <= float(strength) <= 1.0:
        raise ValueError(f"equalize_channel_ranges: `strength` must be in [0, 1]; "
                         f"got {strength!r}")
    if not float(max_scale) >= 1.0:
        raise ValueError(f"equalize_channel_ranges: `max_scale` must be >= 1; "
                         f"got {max_scale!r}")
    data, new_model = _checked_copy(model, data, "equalize_channel_ranges")
    pairs = _channel_pairs(new_model)
    if layers is not None:
        known = {producer.name for producer, _, _ in pairs}
        unknown = sorted(set(layers) - known)
        if unknown:
            raise ValueError(f"equalize_channel_ranges: `layers` {unknown} are not convs "
                             f"that can be rescaled; these can: {sorted(known)}")
        chosen = set(layers)
        pairs = [pair for pair in pairs if pair[0].name in chosen]
    if not pairs:
        return new_model, {}
    inputs = new_model.inputs[0] if len(new_model.inputs) == 1 else new_model.inputs
    probe = keras.Model(inputs, [tensor for _, _, tensor in pairs])
    lows = [None] * len(pairs)
    highs = [None] * len(pairs)
    for start in range(0, len(data), batch_size):
        outs = probe(data[start:start + batch_size])
        outs = outs if isinstance(outs, (list, tuple)) else [outs]
        for i, out in enumerate(outs):
            out = np.asarray(ops.convert_to_numpy(out))
            flat = out.reshape(-1, out.shape[-1])
            lo, hi = flat.min(axis=0), flat.max(axis=0)
            lows[i] = lo if lows[i] is None else np.minimum(lows[i], lo)
            highs[i] = hi if highs[i] is None else np.maximum(highs[i], hi)
    scales = {}
    for (producer, consumer, _), lo, hi in zip(pairs, lows, highs):
        span = np.maximum(hi - lo, 1e-6).astype("float64")
        scale = (np.median(span) / span) ** float(strength)
        scale = np.clip(scale, 1.0 / max_scale, max_scale).astype("float32")
        _rescale(producer, consumer, scale)
        scales[producer.name] = scale
    return new_model, scales
