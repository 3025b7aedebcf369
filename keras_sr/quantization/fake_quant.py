"""Fake quantization as the TFLite int8 kernels compute it (weights and activations).

Both functions wrap ``keras.quantizers.fake_quant_with_min_max_vars``: on TensorFlow
they emit ``FakeQuantWithMinMaxVars[PerChannel]`` ops that the TFLite converter folds
into int8 tensors; on other backends they run Keras' own straight-through estimator.
Jacob et al., "Quantization and Training of Neural Networks for Efficient
Integer-Arithmetic-Only Inference", CVPR 2018.
"""

from keras import ops
from keras.quantizers import fake_quant_with_min_max_vars

NUM_BITS = 8


def fake_quant_weights(kernel, axis=-1):
    """Per-channel symmetric int8 fake quantization of a weight tensor.

    The range of channel ``c`` is ``[-m_c, m_c]`` with ``m_c = max |kernel[..., c, ...]|``
    and the narrow integer range ``[-127, 127]`` (zero point 0), the TFLite int8 spec
    for conv weights.

    Args:
        kernel: float tensor, e.g. a ``Conv2D`` kernel ``(kh, kw, in, out)``.
        axis: int, the output-channel axis (``-1`` for ``Conv2D``), or None for one
            symmetric range over the whole tensor.

    Returns:
        Tensor of the kernel's shape, values on the int8 grid of their channel.
    """
    if axis is None:
        bound = ops.stop_gradient(ops.maximum(ops.max(ops.abs(kernel)), 1e-8))
        return fake_quant_with_min_max_vars(kernel, -bound, bound, num_bits=NUM_BITS,
                                            narrow_range=True)
    axis = axis % len(kernel.shape)
    reduce_axes = tuple(i for i in range(len(kernel.shape)) if i != axis)
    bound = ops.max(ops.abs(kernel), axis=reduce_axes)
    bound = ops.stop_gradient(ops.maximum(bound, 1e-8))
    return fake_quant_with_min_max_vars(kernel, -bound, bound, num_bits=NUM_BITS,
                                        narrow_range=True, axis=axis)


def fake_quant_tensor(inputs, min_val, max_val, narrow_range=False):
    """Per-tensor asymmetric int8 fake quantization on ``[min_val, max_val]``.

    The range is first widened to contain 0 (so that zero is exactly representable, as
    TFLite requires). Values outside the range are clamped.

    Args:
        inputs: float tensor.
        min_val, max_val: scalar floats or scalar tensors.
        narrow_range: bool, use 255 levels instead of 256 (symmetric weights).

    Returns:
        Tensor like ``inputs`` on a grid of 256 levels.
    """
    min_val = ops.minimum(ops.convert_to_tensor(min_val, "float32"), 0.0)
    max_val = ops.maximum(ops.convert_to_tensor(max_val, "float32"), min_val + 1e-6)
    max_val = ops.maximum(max_val, 0.0)
    return fake_quant_with_min_max_vars(inputs, min_val, max_val, num_bits=NUM_BITS,
                                        narrow_range=narrow_range)
