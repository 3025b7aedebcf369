package kerassr.core

import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Test

class TensorCodecTest {
    private val fixture = Golden.load("conversion.json")

    @Test
    fun argbToFloatMatchesPython() {
        val argb = Golden.ints(fixture["argb"])
        assertEquals(Golden.int(fixture["height"]) * Golden.int(fixture["width"]), argb.size)
        assertArrayEquals(Golden.floats(fixture["float"]), TensorCodec.argbToFloat(argb), 0f)
    }

    @Test
    fun quantizeAndDequantizeMatchPython() {
        val image = TensorCodec.argbToFloat(Golden.ints(fixture["argb"]))
        val cases = fixture["quant"] as List<*>
        assertEquals(4, cases.size)
        for (case in cases) {
            case as Map<*, *>
            val dtype = DType.parse(case["dtype"] as String, "dtype")
            val quant = Quantization(case["scale"] as Double, Golden.int(case["zero_point"]))
            val q = TensorCodec.quantize(image, quant, dtype)
            assertArrayEquals("quantize $case", Golden.ints(case["quantized"]), q)
            assertArrayEquals(Golden.floats(case["dequantized"]), TensorCodec.dequantize(q, quant), 1e-7f)
            // through the raw tensor bytes, as the interpreter sees them
            val bytes = TensorCodec.encodeInput(image, dtype, quant)
            assertArrayEquals(q, TensorCodec.fromBytes(bytes, dtype))
            assertArrayEquals(Golden.floats(case["dequantized"]), TensorCodec.decodeOutput(bytes, dtype, quant), 1e-7f)
        }
    }

    @Test
    fun floatToArgbMatchesPython() {
        val out = Golden.floats(fixture["output_float"])
        assertArrayEquals(Golden.ints(fixture["output_argb"]), TensorCodec.floatToArgb(out))
    }

    @Test
    fun float32BytesRoundTrip() {
        val values = floatArrayOf(0f, 1f, 0.25f, -3.5f, 1e-7f)
        val bytes = TensorCodec.encodeInput(values, DType.FLOAT32, Quantization.NONE)
        assertEquals(20, bytes.size)
        assertEquals(0x3f.toByte(), bytes[7]) // 1.0f little-endian = 00 00 80 3f
        assertArrayEquals(values, TensorCodec.decodeOutput(bytes, DType.FLOAT32, Quantization.NONE), 0f)
    }

    @Test
    fun roundsHalfAwayFromZero() {
        assertEquals(3.0, TensorCodec.roundHalfAway(2.5), 0.0)
        assertEquals(-3.0, TensorCodec.roundHalfAway(-2.5), 0.0)
        assertEquals(-2.0, TensorCodec.roundHalfAway(-2.49), 0.0)
    }
}
