"""``ActivationQuantizer``: per-tensor asymmetric int8 fake quantization of activations."""

import keras
from keras import ops

from keras_sr.quantization.fake_quant import fake_quant_tensor

RANGE_MODES = ("ema", "learned", "fixed")


@keras.saving.register_keras_serializable(package="keras_sr")
class ActivationQuantizer(keras.layers.Layer):
    """Simulate the int8 rounding and clamping of an activation tensor (QAT).

    Three ways to find the range ``[min, max]``:
    - ``"ema"``: exponential moving average of the batch min / max, updated in training
      (``momentum`` as in batch norm; the first batch sets it), frozen in inference.
    - ``"learned"``: ``min`` and ``max`` are trainable weights fitted by back-propagation
      through the fake-quant gradient (LSQ-like; Esser et al., ICLR 2020).
    - ``"fixed"``: the constant ``fixed_range``; used for the model input and for the
      output, where ``[0, 1]`` clips the image before quantizing it.

    ``calibrating = True`` (a Python flag, eager calls only) makes every mode except
    ``fixed`` widen its range to the running min / max of what it sees, which is how
    :func:`keras_sr.quantization.calibrate` initialises ranges before fine-tuning.

    Args:
        mode: one of ``"ema"``, ``"learned"``, ``"fixed"``.
        momentum: float in [0, 1), weight of the old range in the EMA.
        fixed_range: pair of floats, the range of ``"fixed"`` mode (and the initial
            range of the other modes before any data is seen).
        limits: optional pair ``(low, high)`` with ``low <= 0 <= high``: the tracked or
            learned range is clamped into it. Used before tanh / sigmoid, whose int8
            kernels map every input beyond their saturation points to the end levels
            of the fixed output grid: spending int8 levels of the input there buys
            nothing, while a few large pre-activations would otherwise coarsen the grid
            for all the others (see ``SATURATION_LIMITS``).

    Input and output: any float tensor; the output has the input's shape.
    """

    def __init__(self, mode="ema", momentum=0.99, fixed_range=(0.0, 1.0), limits=None,
                 **kwargs):
        super().__init__(**kwargs)
        if mode not in RANGE_MODES:
            raise ValueError(f"ActivationQuantizer: unknown `mode` {mode!r}; "
                             f"expected one of {RANGE_MODES}")
        if not 0.0 <= float(momentum) < 1.0:
            raise ValueError(f"ActivationQuantizer: `momentum` must be in [0, 1); got {momentum!r}")
        low, high = (float(v) for v in fixed_range)
        if not low <= 0.0 <= high or low == high:
            raise ValueError("ActivationQuantizer: `fixed_range` must contain 0 and be "
                             f"non-empty; got {fixed_range!r}")
        if limits is not None:
            limits = tuple(float(v) for v in limits)
            if len(limits) != 2 or not limits[0] <= 0.0 <= limits[1] or limits[0] == limits[1]:
                raise ValueError("ActivationQuantizer: `limits` must be a pair (low, high) "
                                 f"with low <= 0 <= high and low < high; got {limits!r}")
        self.mode = mode
        self.momentum = float(momentum)
        self.fixed_range = (low, high)
        self.limits = limits
        self.calibrating = False

    def build(self, input_shape):
        if self.mode == "fixed":
            return
        low, high = self.fixed_range
        trainable = self.mode == "learned"
        self.range_min = self.add_weight(
            name="range_min", shape=(), initializer=keras.initializers.Constant(low),
            trainable=trainable)
        self.range_max = self.add_weight(
            name="range_max", shape=(), initializer=keras.initializers.Constant(high),
            trainable=trainable)
        self.observed = self.add_weight(
            name="observed", shape=(), initializer="zeros", trainable=False)

    def _batch_range(self, inputs):
        x = ops.cast(inputs, "float32")
        return ops.minimum(ops.min(x), 0.0), ops.maximum(ops.max(x), 0.0)

    def _calibrate(self, inputs):
        low, high = self._batch_range(inputs)
        seen = self.observed > 0
        self.range_min.assign(ops.where(seen, ops.minimum(self.range_min, low), low))
        self.range_max.assign(ops.where(seen, ops.maximum(self.range_max, high), high))
        self.observed.assign(1.0)

    def _track(self, inputs):
        low, high = self._batch_range(inputs)
        seen = self.observed > 0
        m = self.momentum
        self.range_min.assign(ops.where(seen, m * self.range_min + (1 - m) * low, low))
        self.range_max.assign(ops.where(seen, m * self.range_max + (1 - m) * high, high))
        self.observed.assign(1.0)

    def call(self, inputs, training=False):
        if self.mode == "fixed":
            low, high = self.fixed_range
            return fake_quant_tensor(inputs, low, high)
        if self.calibrating:
            self._calibrate(inputs)
        elif self.mode == "ema" and training:
            self._track(inputs)
        low, high = self._limited(self.range_min, self.range_max)
        return fake_quant_tensor(inputs, low, high)

    def _limited(self, low, high):
        if self.limits is None:
            return low, high
        return ops.maximum(low, self.limits[0]), ops.minimum(high, self.limits[1])

    def quantization_params(self):
        """Return ``(scale, zero_point)`` of the int8 grid TFLite will use (numpy floats)."""
        if self.mode == "fixed":
            low, high = self.fixed_range
        else:
            low, high = (float(ops.convert_to_numpy(v))
                         for v in self._limited(self.range_min, self.range_max))
        low, high = min(low, 0.0), max(high, 0.0)
        scale = (high - low) / 255.0
        zero_point = int(round(-128 - low / scale))
        return scale, zero_point

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"mode": self.mode, "momentum": self.momentum,
                       "fixed_range": list(self.fixed_range),
                       "limits": None if self.limits is None else list(self.limits)})
        return config
