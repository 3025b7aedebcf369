"""Image quality metrics: PSNR, SSIM, MS-SSIM, VIFp, IFC (colour: ``keras_sr.image``)."""

from keras_sr.metrics.ifc import ifc
from keras_sr.metrics.metric_classes import IFC, PSNR, SSIM, VIFp
from keras_sr.metrics.psnr import psnr
from keras_sr.metrics.ssim import ms_ssim, ssim
from keras_sr.metrics.vif import vif_p

__all__ = ["psnr", "ssim", "ms_ssim", "vif_p", "ifc", "PSNR", "SSIM", "VIFp", "IFC"]
