"""Run a shared checkpoint through PyTorch itself: the torch side of the parity test.

Runs under any Python with torch and numpy (tests/convert/test_torch_parity.py starts it
in a subprocess, so a CPU-only system torch such as Debian's python3-torch serves even
when the test's own interpreter has none). The checkpoint is read by ``torch.load``, not
by keras_sr; the whole-module pickles get the forward methods below (torch restores the
submodules from the file; only ``forward`` comes from here).

    python torch_forward.py CHECKPOINT FAMILY INPUT.npy OUTPUT.npy
    FAMILY: vdsr_twtygqyy | lapsrn_twtygqyy | vdsr_nhatthanh; INPUT: float32 NCHW
"""

import collections
import inspect
import sys
import types
import warnings

import numpy as np
import torch
from torch import nn


class ConvReLUBlock(nn.Module):
    def forward(self, x):
        return self.relu(self.conv(x))


class VDSRNet(nn.Module):
    def forward(self, x):
        out = self.residual_layer(self.relu(self.input(x)))
        return self.output(out) + x


class ConvBlock(nn.Module):
    def forward(self, x):
        return self.cov_block(x)


class LapSRNNet(nn.Module):
    def forward(self, x):
        features = self.relu(self.conv_input(x))
        features1 = self.convt_F1(features)
        x2 = self.convt_I1(x) + self.convt_R1(features1)
        features2 = self.convt_F2(features1)
        x4 = self.convt_I2(x2) + self.convt_R2(features2)
        return x2, x4


class RGBVDSR(nn.Module):
    """Nhat-Thanh/VDSR-Pytorch's layout, built here and filled from its state dict."""

    def __init__(self):
        super().__init__()
        self.conv_1 = nn.Conv2d(3, 64, 3, padding=1)
        self.conv_2_to_19 = nn.Sequential(collections.OrderedDict(
            (f"conv_{i}", nn.Conv2d(64, 64, 3, padding=1)) for i in range(2, 20)))
        self.conv_20 = nn.Conv2d(64, 3, 3, padding=1)

    def forward(self, x):
        out = torch.relu(self.conv_1(x))
        for conv in self.conv_2_to_19:
            out = torch.relu(conv(out))
        return torch.clamp(self.conv_20(out) + x, 0.0, 1.0)


def _register(name, **classes):
    module = types.ModuleType(name)
    for attr, cls in classes.items():
        setattr(module, attr, cls)
    sys.modules[name] = module


def _load(path):
    kwargs = {"map_location": "cpu"}
    if "weights_only" in inspect.signature(torch.load).parameters:
        kwargs["weights_only"] = False  # a whole pickled module (trusted test data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SourceChangeWarning: forward differs from theirs
        return torch.load(path, **kwargs)


def main(checkpoint, family, input_path, output_path):
    _register("vdsr", Net=VDSRNet, Conv_ReLU_Block=ConvReLUBlock)
    _register("lapsrn", Net=LapSRNNet, _Conv_Block=ConvBlock)
    loaded = _load(checkpoint)
    if family == "vdsr_nhatthanh":
        net = RGBVDSR()
        net.load_state_dict(loaded)
    else:
        net = loaded["model"]
    net = net.float().eval()
    with torch.no_grad():
        out = net(torch.tensor(np.load(input_path)))
    out = out[-1] if isinstance(out, tuple) else out
    np.save(output_path, out.numpy())


if __name__ == "__main__":
    main(*sys.argv[1:5])
