package kerassr.core

import kotlin.math.abs
import kotlin.math.floor

/**
 * Converts Android-style ARGB pixels (as from `Bitmap.getPixels`) to model input tensors
 * and model outputs back to pixels. Tensors are NHWC with N = 1, stored row-major.
 * Alpha is ignored on input and set to 255 on output.
 */
object TensorCodec {
    /** ARGB ints (length = height * width) -> float32 HxWx3 in [0, 1] (channel / 255). */
    fun argbToFloat(argb: IntArray): FloatArray {
        val out = FloatArray(argb.size * 3)
        for (i in argb.indices) {
            val p = argb[i]
            out[3 * i] = ((p shr 16) and 255) / 255f
            out[3 * i + 1] = ((p shr 8) and 255) / 255f
            out[3 * i + 2] = (p and 255) / 255f
        }
        return out
    }

    /** float HxWx3 -> opaque ARGB; channel = floor(clamp(x, 0, 1) * 255 + 0.5). */
    fun floatToArgb(values: FloatArray): IntArray {
        require(values.size % 3 == 0) { "values has ${values.size} elements, expected a multiple of 3" }
        val out = IntArray(values.size / 3)
        for (i in out.indices) {
            val r = toByteValue(values[3 * i])
            val g = toByteValue(values[3 * i + 1])
            val b = toByteValue(values[3 * i + 2])
            out[i] = (255 shl 24) or (r shl 16) or (g shl 8) or b
        }
        return out
    }

    private fun toByteValue(x: Float): Int {
        val clipped = if (x < 0f) 0.0 else if (x > 1f) 1.0 else x.toDouble()
        return floor(clipped * 255.0 + 0.5).toInt()
    }

    /** Rounds half away from zero, as TFLite's quantize kernel does. */
    fun roundHalfAway(x: Double): Double = if (x >= 0) floor(x + 0.5) else -floor(abs(x) + 0.5)

    /**
     * Quantizes floats to uint8 or int8 values, q = clamp(round(x / scale) + zeroPoint),
     * returned as ints in [0, 255] (uint8) or [-128, 127] (int8).
     */
    fun quantize(values: FloatArray, quant: Quantization, dtype: DType): IntArray {
        val (low, high) = when (dtype) {
            DType.UINT8 -> Pair(0, 255)
            DType.INT8 -> Pair(-128, 127)
            DType.FLOAT32 -> throw IllegalArgumentException("dtype is float32, expected uint8 or int8")
        }
        return IntArray(values.size) {
            val q = roundHalfAway(values[it].toDouble() / quant.scale) + quant.zeroPoint
            q.coerceIn(low.toDouble(), high.toDouble()).toInt()
        }
    }

    /** Dequantizes: (q - zeroPoint) * scale. */
    fun dequantize(q: IntArray, quant: Quantization): FloatArray =
        FloatArray(q.size) { ((q[it] - quant.zeroPoint) * quant.scale).toFloat() }

    /** Quantized ints -> the raw bytes a uint8/int8 tensor buffer holds (two's complement). */
    fun toBytes(q: IntArray): ByteArray = ByteArray(q.size) { q[it].toByte() }

    /** Raw tensor bytes -> ints, read as unsigned for uint8 and signed for int8. */
    fun fromBytes(bytes: ByteArray, dtype: DType): IntArray = IntArray(bytes.size) {
        if (dtype == DType.UINT8) bytes[it].toInt() and 255 else bytes[it].toInt()
    }

    /** Encodes float pixels as the model's input tensor bytes (little-endian float32 or 1 byte each). */
    fun encodeInput(values: FloatArray, dtype: DType, quant: Quantization): ByteArray =
        if (dtype == DType.FLOAT32) {
            val buffer = java.nio.ByteBuffer.allocate(values.size * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN)
            for (v in values) buffer.putFloat(v)
            buffer.array()
        } else toBytes(quantize(values, quant, dtype))

    /** Decodes the model's output tensor bytes to floats. */
    fun decodeOutput(bytes: ByteArray, dtype: DType, quant: Quantization): FloatArray =
        if (dtype == DType.FLOAT32) {
            val buffer = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN)
            FloatArray(bytes.size / 4) { buffer.getFloat(4 * it) }
        } else dequantize(fromBytes(bytes, dtype), quant)
}
