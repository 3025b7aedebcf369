"""Image quality metrics: PSNR, SSIM, MS-SSIM and the colour conversions they use."""
