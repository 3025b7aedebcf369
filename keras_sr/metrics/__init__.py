"""Image quality metrics: PSNR, SSIM, MS-SSIM and the colour conversions they use."""

from keras_sr.metrics.color import rgb_to_y, rgb_to_ycbcr, ycbcr_to_rgb
from keras_sr.metrics.metric_classes import PSNR, SSIM
from keras_sr.metrics.psnr import psnr
from keras_sr.metrics.ssim import ms_ssim, ssim

__all__ = ["psnr", "ssim", "ms_ssim", "PSNR", "SSIM", "rgb_to_y", "rgb_to_ycbcr",
           "ycbcr_to_rgb"]
