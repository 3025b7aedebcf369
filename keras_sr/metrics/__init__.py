"""Image quality metrics: PSNR, SSIM, MS-SSIM (colour conversions: ``keras_sr.image``)."""

from keras_sr.metrics.metric_classes import PSNR, SSIM
from keras_sr.metrics.psnr import psnr
from keras_sr.metrics.ssim import ms_ssim, ssim

__all__ = ["psnr", "ssim", "ms_ssim", "PSNR", "SSIM"]
