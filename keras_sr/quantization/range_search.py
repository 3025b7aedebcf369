"""``search_ranges``: pick each activation range by the int8 error it causes (MSE).

Min / max ranges are what the TFLite converter uses for PTQ, but a long tail of rare
values spreads the 256 levels thin for all the others. Worst case in our models: the
FSRCNN x3 weights shipped until 2026-12-03, whose first conv feeds a PReLU (median slope
0.26), so its outputs span [-4.4, 1.0] while the PReLU shrinks the negative side; min /
max spends 82% of the levels there, and that one quantizer costs 0.66 dB on Set5. With least-error ranges
everywhere the calibrated int8 model (before any fine-tuning) scores 31.61 dB instead
of 31.03 (float: 32.16); the shipped ESPCN x3 goes from 32.01 to 32.06 (float: 32.28).

For each quantizer this module measures, on calibration data, the squared error that
fake quantization causes *after the layer that consumes it* when that layer is a
PReLU, LeakyReLU or tanh / sigmoid (errors on a PReLU's negative side are scaled by
its slope, past tanh's saturation they vanish), otherwise on the tensor itself, and
chooses the range ``[low, high]`` (shrunk from the min / max) with the least error by
coordinate descent. Quantizers are treated one at a time, each with float inputs.
"""

import numpy as np

from keras_sr.quantization.activation_quantizer import ActivationQuantizer
from keras_sr.quantization.graph import functional_graph

# Fractions of the min / max tried for each end of a range.
SHRINK_STEPS = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.25, 0.2, 0.15, 0.1, 0.07, 0.05)


def fake_quant_numpy(x, low, high):
    """Per-tensor asymmetric 8-bit fake quantization with TensorFlow's zero-point nudge.

    Args:
        x: float array.
        low, high: floats with ``low <= 0 <= high`` and ``low < high``.

    Returns:
        float array like ``x``: values clamped to the nudged range and rounded to its
        256 levels, as ``tf.quantization.fake_quant_with_min_max_vars`` computes them.
    """
    f32 = np.float32
    scale = (f32(high) - f32(low)) / f32(255.0)  # float32 throughout, as the TF kernel
    zero_point = f32(np.clip(np.round(f32(0.0) - f32(low) / scale), 0.0, 255.0))
    nudged_low = (f32(0.0) - zero_point) * scale
    nudged_high = (f32(255.0) - zero_point) * scale
    clipped = np.clip(np.asarray(x, dtype=f32), nudged_low, nudged_high)
    return np.floor((clipped - nudged_low) * (f32(1.0) / scale) + f32(0.5)) * scale + nudged_low


def _consumer_function(graph, quantizer):
    """numpy function of the one layer fed by ``quantizer`` (identity if none applies)."""
    (output,) = graph.node_of(quantizer).outputs
    users = graph.consumers.get(output, [])
    if len(users) != 1:
        return lambda x: x
    user = users[0].operation
    kind = type(user).__name__
    if kind in ("PReLU", "QuantizedPReLU"):
        alpha = np.asarray(user.get_weights()[0], dtype="float32")
        alpha = alpha.reshape(-1) if alpha.ndim and alpha.shape[:-1] == (1,) * (
            alpha.ndim - 1) else alpha
        return lambda x: np.maximum(x, 0.0) + alpha * np.minimum(x, 0.0)
    if kind == "LeakyReLU":
        slope = float(user.negative_slope)
        return lambda x: np.where(x >= 0.0, x, slope * x)
    if kind == "Activation":
        name = getattr(user.activation, "__name__", "")
        if name == "tanh":
            return np.tanh
        if name == "sigmoid":
            return lambda x: 1.0 / (1.0 + np.exp(-x))
    return lambda x: x


def _best_range(x, function, low, high, limits):
    """Coordinate descent over shrunk ends of ``[low, high]``; returns the best pair."""
    reference = function(x)

    def error(lo, hi):
        if limits is not None:
            lo, hi = max(lo, limits[0]), min(hi, limits[1])
        if hi - lo < 1e-6:
            return np.inf
        return float(np.mean((function(fake_quant_numpy(x, lo, hi)) - reference) ** 2))

    best = (low, high)
    best_error = error(*best)
    for _ in range(2):
        for end in (0, 1):
            for fraction in SHRINK_STEPS:
                candidate = (low * fraction, best[1]) if end == 0 else (best[0], high * fraction)
                candidate_error = error(*candidate)
                if candidate_error < best_error:
                    best, best_error = candidate, candidate_error
    return best


def search_ranges(qat_model, data, batch_size=8, max_values=400_000, seed=0):
    """Set every tracked / learned activation range to its least-error range on ``data``.

    The model must be calibrated first (its min / max ranges are the starting point and
    the largest ranges tried); ``calibrate(..., method="mse")`` does both.

    Args:
        qat_model: model from :func:`keras_sr.quantization.quantize_model`.
        data: LR images ``(N, h, w, c)`` float32 in [0, 1].
        batch_size: int, batch size of the forward passes.
        max_values: int, values per quantizer used by the search (a random subset,
            whole channel vectors, drawn with ``seed``).
        seed: int.

    Returns:
        dict ``{quantizer name: (low, high)}`` of the ranges set.
    """
    import keras

    data = np.asarray(data, dtype="float32")
    if data.ndim != 4:
        raise ValueError(f"search_ranges: `data` must be (N, h, w, c); got shape {data.shape}")
    rng = np.random.default_rng(seed)
    graph = functional_graph(qat_model, "search_ranges")
    chosen = {}
    quantizers = [layer for layer in qat_model.layers
                  if isinstance(layer, ActivationQuantizer) and layer.mode != "fixed"]
    inputs = qat_model.inputs[0] if len(qat_model.inputs) == 1 else qat_model.inputs
    probe = keras.Model(inputs, [layer.input for layer in quantizers])
    collected = [[] for _ in quantizers]
    for start in range(0, len(data), batch_size):
        outputs = probe(data[start:start + batch_size], training=False)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        for store, tensor in zip(collected, outputs):
            store.append(np.asarray(keras.ops.convert_to_numpy(tensor), dtype="float32"))
    for layer, pieces in zip(quantizers, collected):
        values = np.concatenate([p.reshape(-1, p.shape[-1]) for p in pieces])
        if len(values) * values.shape[1] > max_values:
            rows = max(1, max_values // values.shape[1])
            values = values[rng.choice(len(values), size=rows, replace=False)]
        low = min(float(keras.ops.convert_to_numpy(layer.range_min)), 0.0)
        high = max(float(keras.ops.convert_to_numpy(layer.range_max)), 0.0)
        if high - low < 1e-6:
            continue
        best = _best_range(values, _consumer_function(graph, layer), low, high,
                           layer.limits)
        layer.range_min.assign(best[0])
        layer.range_max.assign(best[1])
        chosen[layer.name] = best
    return chosen
