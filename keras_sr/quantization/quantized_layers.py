"""Conv and PReLU layers whose weights go through int8 fake quantization (QAT).

Each class is the Keras layer it extends with the same config, so a float layer's
weights load into it unchanged (``set_weights``) and the quantized model keeps the
float model's structure. Conv weights are quantized per output channel, symmetric, int8 (the TFLite spec for
``CONV_2D``), transposed-conv weights and the PReLU slope per tensor.
"""

import keras
from keras import ops

from keras_sr.quantization.fake_quant import fake_quant_tensor, fake_quant_weights


def _add_bias_and_activate(layer, outputs):
    if layer.use_bias:
        outputs = ops.add(outputs, ops.reshape(layer.bias, (1, 1, 1, layer.filters)))
    if layer.activation is not None:
        outputs = layer.activation(outputs)
    return outputs


def _check_channels_last(layer):
    if layer.data_format != "channels_last":
        raise ValueError(f"{type(layer).__name__} {layer.name!r}: int8 QAT supports "
                         f"data_format='channels_last' only; got {layer.data_format!r}")


@keras.saving.register_keras_serializable(package="keras_sr")
class QuantizedConv2D(keras.layers.Conv2D):
    """``keras.layers.Conv2D`` with per-channel symmetric int8 fake-quantized kernel."""

    def build(self, input_shape):
        _check_channels_last(self)
        super().build(input_shape)

    def call(self, inputs):
        kernel = fake_quant_weights(self.kernel, axis=-1)
        return _add_bias_and_activate(self, self.convolution_op(inputs, kernel))


@keras.saving.register_keras_serializable(package="keras_sr")
class QuantizedConv2DTranspose(keras.layers.Conv2DTranspose):
    """``keras.layers.Conv2DTranspose`` with a per-tensor symmetric int8 fake-quantized kernel.

    Per tensor, not per channel: the kernel is ``(kh, kw, out, in)`` and the TFLite
    converter cannot carry a per-channel axis through the transpose it inserts before
    ``TRANSPOSE_CONV`` (error "mismatched quantized axes", TF 2.21).
    """

    def build(self, input_shape):
        _check_channels_last(self)
        super().build(input_shape)

    def call(self, inputs):
        kernel = fake_quant_weights(self.kernel, axis=None)
        outputs = ops.conv_transpose(
            inputs, kernel, strides=list(self.strides), padding=self.padding,
            output_padding=self.output_padding, dilation_rate=self.dilation_rate,
            data_format=self.data_format)
        return _add_bias_and_activate(self, outputs)


@keras.saving.register_keras_serializable(package="keras_sr")
class QuantizedPReLU(keras.layers.PReLU):
    """``keras.layers.PReLU`` with its slope fake-quantized per tensor (TFLite int8 PRELU)."""

    def call(self, inputs):
        alpha = fake_quant_tensor(self.alpha, ops.stop_gradient(ops.min(self.alpha)),
                                  ops.stop_gradient(ops.max(self.alpha)))
        positive = ops.relu(inputs)
        negative = -alpha * ops.relu(-inputs)
        return positive + negative
