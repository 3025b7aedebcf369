package kerassr.core

/**
 * BT.601 studio-range YCbCr, as keras_sr.image.color (MATLAB `rgb2ycbcr`) with values
 * divided by 255: for RGB in [0, 1], Y is in [16, 235] / 255 and Cb, Cr in [16, 240] / 255.
 * The same formulas and constants as `rgbToY` / `mergeY` in web_demo/sr_core.js: the
 * forward matrix is keras_sr's; the inverse uses the BT.601 coefficients 1.402, 0.344136,
 * 0.714136 and 1.772, within 3e-6 of keras_sr's exact inverse (`ycbcr_to_rgb`).
 * Arithmetic is in double, results are stored as float32.
 */
object YCbCr {
    /** RGB floats HxWx3 in [0, 1] -> YCbCr floats HxWx3 (Y, Cb, Cr) in [16, 240] / 255. */
    fun rgbToYCbCr(rgb: FloatArray): FloatArray {
        require(rgb.size % 3 == 0) { "rgb has ${rgb.size} values, expected a multiple of 3" }
        val out = FloatArray(rgb.size)
        for (i in 0 until rgb.size / 3) {
            val r = rgb[3 * i].toDouble()
            val g = rgb[3 * i + 1].toDouble()
            val b = rgb[3 * i + 2].toDouble()
            out[3 * i] = ((16 + 65.481 * r + 128.553 * g + 24.966 * b) / 255).toFloat()
            out[3 * i + 1] = ((128 - 37.797 * r - 74.203 * g + 112.0 * b) / 255).toFloat()
            out[3 * i + 2] = ((128 + 112.0 * r - 93.786 * g - 18.214 * b) / 255).toFloat()
        }
        return out
    }

    /**
     * YCbCr floats HxWx3 (values / 255, as [rgbToYCbCr] gives) -> RGB floats HxWx3, nominally
     * in [0, 1] but not clipped ([TensorCodec.floatToArgb] clips).
     */
    fun yCbCrToRgb(ycbcr: FloatArray): FloatArray {
        require(ycbcr.size % 3 == 0) { "ycbcr has ${ycbcr.size} values, expected a multiple of 3" }
        val out = FloatArray(ycbcr.size)
        for (i in 0 until ycbcr.size / 3) {
            val luma = (ycbcr[3 * i] * 255.0 - 16) / 219
            val cb = ycbcr[3 * i + 1] - 128.0 / 255
            val cr = ycbcr[3 * i + 2] - 128.0 / 255
            out[3 * i] = (luma + 1.402 * cr * 255 / 224).toFloat()
            out[3 * i + 1] = (luma - (0.344136 * cb + 0.714136 * cr) * 255 / 224).toFloat()
            out[3 * i + 2] = (luma + 1.772 * cb * 255 / 224).toFloat()
        }
        return out
    }

    /**
     * Upscales an RGB image with a model on the Y channel, as keras_sr.inference.upscale_array
     * and the web demo do for one-channel models: RGB -> YCbCr, the model sees Y alone (tiled
     * and blended by [Tiling.upscaleTiled]), Cb and Cr are upscaled by [Bicubic.upscale], and
     * the three are converted back to RGB.
     *
     * @param image HxWx3 RGB floats in [0, 1].
     * @param model runs on one h x w x 1 tile of Y (values in [16, 235] / 255) and returns
     *   (h*scale) x (w*scale) x 1.
     * @return (H*scale) x (W*scale) x 3 RGB floats, not clipped.
     */
    fun upscaleLuma(
        image: FloatImage, scale: Int, tile: Int, overlap: Int, fixedSize: Boolean,
        model: (FloatImage) -> FloatImage, onTile: (Int, Int) -> Unit = { _, _ -> }
    ): FloatImage {
        require(image.channels == 3) { "image has ${image.channels} channels, expected 3 (RGB)" }
        val n = image.height * image.width
        val ycbcr = rgbToYCbCr(image.data)
        val y = FloatImage(image.height, image.width, 1, FloatArray(n) { ycbcr[3 * it] })
        val chroma = FloatImage(image.height, image.width, 2, FloatArray(2 * n) { ycbcr[3 * (it / 2) + 1 + it % 2] })
        val srY = Tiling.upscaleTiled(y, scale, tile, overlap, fixedSize, model, onTile)
        val srChroma = Bicubic.upscale(chroma, scale)
        val m = srY.height * srY.width
        val merged = FloatArray(3 * m)
        for (i in 0 until m) {
            merged[3 * i] = srY.data[i]
            merged[3 * i + 1] = srChroma.data[2 * i]
            merged[3 * i + 2] = srChroma.data[2 * i + 1]
        }
        return FloatImage(srY.height, srY.width, 3, yCbCrToRgb(merged))
    }
}
