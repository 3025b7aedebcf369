package kerassr.core

import kotlin.math.abs
import kotlin.math.floor

/**
 * Bicubic upscaling by an integer factor, the rule of `bicubicUpscale` in
 * web_demo/sr_core.js: Keys' cubic convolution kernel with a = -0.5 (MATLAB's `cubic`),
 * four taps per axis, output sample o centred at (o + 0.5) / scale - 0.5 in input
 * pixels, tap indices clamped to the image (edge replication). Where all four taps fall
 * inside the image this equals keras_sr.image.imresize; at the borders imresize mirrors
 * instead of clamping.
 */
object Bicubic {
    private const val A = -0.5

    /** Keys' kernel (a = -0.5): weight of a sample [t] input pixels away; 0 for |t| >= 2. */
    fun kernel(t: Double): Double {
        val x = abs(t)
        return when {
            x <= 1.0 -> (A + 2) * x * x * x - (A + 3) * x * x + 1
            x < 2.0 -> A * x * x * x - 5 * A * x * x + 8 * A * x - 4 * A
            else -> 0.0
        }
    }

    /** Input indices (clamped to [0, inLen)) and weights of the four taps of each output sample. */
    private class Taps(val index: IntArray, val weight: DoubleArray)

    private fun taps(inLen: Int, scale: Int): Taps {
        val outLen = inLen * scale
        val index = IntArray(outLen * 4)
        val weight = DoubleArray(outLen * 4)
        for (o in 0 until outLen) {
            val center = (o + 0.5) / scale - 0.5
            val left = floor(center).toInt() - 1
            for (k in 0 until 4) {
                index[4 * o + k] = (left + k).coerceIn(0, inLen - 1)
                weight[4 * o + k] = kernel(center - (left + k))
            }
        }
        return Taps(index, weight)
    }

    /**
     * Upscales [image] (H x W x C, any values, any channel count) to (H*scale) x (W*scale) x C.
     * Separable: rows first, kept as float32 like the JavaScript, then columns; sums in
     * double. Constant images stay constant; the result is not clipped (the kernel
     * overshoots at edges).
     */
    fun upscale(image: FloatImage, scale: Int): FloatImage {
        require(scale >= 1) { "scale is $scale, expected >= 1" }
        val h = image.height
        val w = image.width
        val c = image.channels
        val outH = h * scale
        val outW = w * scale
        val tx = taps(w, scale)
        val ty = taps(h, scale)
        val rows = FloatArray(h * outW * c)
        for (y in 0 until h) for (x in 0 until outW) for (ch in 0 until c) {
            var s = 0.0
            for (k in 0 until 4) s += tx.weight[4 * x + k] * image.data[(y * w + tx.index[4 * x + k]) * c + ch]
            rows[(y * outW + x) * c + ch] = s.toFloat()
        }
        val out = FloatArray(outH * outW * c)
        for (y in 0 until outH) for (x in 0 until outW) for (ch in 0 until c) {
            var s = 0.0
            for (k in 0 until 4) s += ty.weight[4 * y + k] * rows[(ty.index[4 * y + k] * outW + x) * c + ch]
            out[(y * outW + x) * c + ch] = s.toFloat()
        }
        return FloatImage(outH, outW, c, out)
    }
}
