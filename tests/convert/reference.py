"""An independent numpy implementation of the torch layers and forwards the importer maps.

Written from torch's definitions (NCHW, cross-correlation, ``ConvTranspose2d`` as the
scatter ``out[y * stride - padding + k] += in[y] * w[k]``), in float64, with the
checkpoints' own tensor names: it shares no code with keras_sr.convert.mapping or Keras.
"""

import numpy as np


def conv2d(x, weight, bias=None, padding=1):
    """torch ``F.conv2d``, stride 1: x ``(N, C, H, W)``, weight ``(O, C, kh, kw)``."""
    _, _, height, width = x.shape
    kh, kw = weight.shape[2:]
    padded = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    out_h, out_w = height + 2 * padding - kh + 1, width + 2 * padding - kw + 1
    out = np.zeros((x.shape[0], weight.shape[0], out_h, out_w))
    for ky in range(kh):
        for kx in range(kw):
            window = padded[:, :, ky:ky + out_h, kx:kx + out_w]
            out += np.einsum("nchw,oc->nohw", window, weight[:, :, ky, kx])
    if bias is not None:
        out += bias[None, :, None, None]
    return out


def conv_transpose2d(x, weight, bias=None, stride=2, padding=1):
    """torch ``F.conv_transpose2d``: x ``(N, C, H, W)``, weight ``(C, O, kh, kw)``."""
    n, _, height, width = x.shape
    kh, kw = weight.shape[2:]
    full = np.zeros((n, weight.shape[1], (height - 1) * stride + kh,
                     (width - 1) * stride + kw))
    for ky in range(kh):
        for kx in range(kw):
            contribution = np.einsum("nchw,co->nohw", x, weight[:, :, ky, kx])
            full[:, :, ky:ky + stride * height:stride, kx:kx + stride * width:stride] += \
                contribution
    out = full[:, :, padding:full.shape[2] - padding, padding:full.shape[3] - padding]
    if bias is not None:
        out = out + bias[None, :, None, None]
    return out


def relu(x):
    return np.maximum(x, 0.0)


def leaky_relu(x, slope=0.2):
    return np.where(x >= 0, x, slope * x)


def vdsr_twtygqyy(w, x):
    """twtygqyy/pytorch-vdsr ``Net.forward``: x is the bicubic-upscaled Y, NCHW."""
    out = relu(conv2d(x, w["input.weight"]))
    for i in range(18):
        out = relu(conv2d(out, w[f"residual_layer.{i}.conv.weight"]))
    return conv2d(out, w["output.weight"]) + x


def vdsr_nhatthanh(w, x):
    """Nhat-Thanh/VDSR-Pytorch: RGB, biases, output clipped to [0, 1]."""
    out = relu(conv2d(x, w["conv_1.weight"], w["conv_1.bias"]))
    for i in range(2, 20):
        key = f"conv_2_to_19.conv_{i}"
        out = relu(conv2d(out, w[f"{key}.weight"], w[f"{key}.bias"]))
    return np.clip(conv2d(out, w["conv_20.weight"], w["conv_20.bias"]) + x, 0.0, 1.0)


def lapsrn_twtygqyy(w, x):
    """twtygqyy/pytorch-LapSRN ``Net.forward``: x is the LR Y; returns (x2, x4)."""
    features = leaky_relu(conv2d(x, w["conv_input.weight"]))
    image, outputs = x, []
    for level in (1, 2):
        block = f"convt_F{level}.0.cov_block"
        for i in range(0, 20, 2):
            features = leaky_relu(conv2d(features, w[f"{block}.{i}.weight"]))
        features = leaky_relu(conv_transpose2d(features, w[f"{block}.20.weight"]))
        image = (conv_transpose2d(image, w[f"convt_I{level}.weight"])
                 + conv2d(features, w[f"convt_R{level}.weight"]))
        outputs.append(image)
    return tuple(outputs)
