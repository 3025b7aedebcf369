"""Quantization-aware training (int8) written with Keras 3 ops only.

``quantize_model(model)`` rebuilds a float functional model with fake quantization
where the TFLite int8 kernels quantize; fine-tune it with ``fit`` (``fine_tune``) on
any backend, then convert it on TensorFlow with
``keras_sr.export.export_tflite(qat_model, path, quantize="int8-qat")``.
"""

from keras_sr.quantization.activation_quantizer import ActivationQuantizer
from keras_sr.quantization.calibrate import calibrate
from keras_sr.quantization.equalize import equalize_channel_ranges, equalize_tanh_ranges
from keras_sr.quantization.fake_quant import fake_quant_tensor, fake_quant_weights
from keras_sr.quantization.finetune import fine_tune
from keras_sr.quantization.quantize_model import is_qat_model, quantize_model, quantizers_of
from keras_sr.quantization.quantized_layers import (
    QuantizedConv2D, QuantizedConv2DTranspose, QuantizedPReLU)

__all__ = ["quantize_model", "calibrate", "equalize_channel_ranges", "equalize_tanh_ranges",
           "fine_tune", "is_qat_model",
           "quantizers_of",
           "ActivationQuantizer", "QuantizedConv2D", "QuantizedConv2DTranspose",
           "QuantizedPReLU", "fake_quant_weights", "fake_quant_tensor"]
