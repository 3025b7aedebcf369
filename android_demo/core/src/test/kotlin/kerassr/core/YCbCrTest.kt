package kerassr.core

import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import kotlin.math.abs

/** Y-channel models: colour conversion, chroma upscale and the whole path against keras_sr. */
class YCbCrTest {
    private val fixture = Golden.load("conversion.json")["ycbcr"] as Map<*, *>

    @Test
    fun rgbToYCbCrMatchesKerasSr() {
        val rgb = TensorCodec.argbToFloat(Golden.ints(fixture["argb"]))
        val ycbcr = YCbCr.rgbToYCbCr(rgb)
        assertArrayEquals(Golden.floats(fixture["ycbcr"]), ycbcr, 1e-6f)
        // row 1 starts black, white: Y = 16 and 235, Cb = Cr = 128 (over 255)
        val first = 3 * Golden.int(fixture["width"])
        assertEquals(16f / 255, ycbcr[first], 1e-6f)
        assertEquals(235f / 255, ycbcr[first + 3], 1e-6f)
        assertEquals(128f / 255, ycbcr[first + 4], 1e-6f)
    }

    @Test
    fun roundTripMatchesKerasSrAndGivesThePixelsBack() {
        val argb = Golden.ints(fixture["argb"])
        val rgb = YCbCr.yCbCrToRgb(Golden.floats(fixture["ycbcr"]))
        assertArrayEquals(Golden.floats(fixture["rgb_back"]), rgb, 1e-5f)
        val back = TensorCodec.floatToArgb(rgb)
        assertArrayEquals(Golden.ints(fixture["argb_back"]), back)
        assertArrayEquals(IntArray(argb.size) { argb[it] or (255 shl 24) }, back) // alpha is set to 255
    }

    @Test
    fun modelLumaRecombinesAsKerasSr() {
        val rgb = YCbCr.yCbCrToRgb(Golden.floats(fixture["ycbcr_edited"]))
        assertArrayEquals(Golden.floats(fixture["rgb_edited"]), rgb, 1e-5f)
        assertTrue("out-of-range Y must give unclipped RGB", rgb.min()!! < 0f && rgb.max()!! > 1f)
        assertArrayEquals(Golden.ints(fixture["argb_edited"]), TensorCodec.floatToArgb(rgb))
    }

    @Test
    fun chromaUpscaleMatchesWebDemoBicubic() {
        val c = fixture["chroma"] as Map<*, *>
        val image = FloatImage(Golden.int(c["height"]), Golden.int(c["width"]), Golden.int(c["channels"]),
            Golden.floats(c["input"]))
        val scale = Golden.int(c["scale"])
        val sr = Bicubic.upscale(image, scale)
        assertEquals(image.height * scale, sr.height)
        assertEquals(image.width * scale, sr.width)
        assertArrayEquals(Golden.floats(c["expected"]), sr.data, 1e-6f)
        // inside the image it is keras_sr's MATLAB imresize; at the borders (clamp vs mirror) it is not
        val matlab = Golden.floats(c["imresize"])
        val iy = Golden.ints(c["interior_y"])
        val ix = Golden.ints(c["interior_x"])
        var borderDiff = 0f
        for (y in 0 until sr.height) for (x in 0 until sr.width) for (ch in 0 until 2) {
            val k = (y * sr.width + x) * 2 + ch
            if (y in iy[0] until iy[1] && x in ix[0] until ix[1]) assertEquals("($y, $x, $ch)", matlab[k], sr.data[k], 1e-6f)
            else borderDiff = maxOf(borderDiff, abs(matlab[k] - sr.data[k]))
        }
        assertTrue("border max diff $borderDiff", borderDiff > 1e-3f)
    }

    @Test
    fun bicubicKernelAndConstants() {
        assertEquals(1.0, Bicubic.kernel(0.0), 0.0)
        assertEquals(0.0, Bicubic.kernel(1.0), 0.0)
        assertEquals(0.0, Bicubic.kernel(-2.0), 0.0)
        assertEquals(0.5625, Bicubic.kernel(0.5), 1e-12)
        assertEquals(-0.0625, Bicubic.kernel(-1.5), 1e-12)
        val flat = FloatImage(3, 2, 2, FloatArray(12) { if (it % 2 == 0) 0.3f else 0.7f })
        val sr = Bicubic.upscale(flat, 4)
        for (i in sr.data.indices) assertEquals(if (i % 2 == 0) 0.3f else 0.7f, sr.data[i], 1e-6f)
    }

    @Test
    fun yModelPathMatchesPython() {
        val p = fixture["pipeline"] as Map<*, *>
        val h = Golden.int(p["height"])
        val w = Golden.int(p["width"])
        val scale = Golden.int(p["scale"])
        val tile = Golden.int(p["tile"])
        assertEquals(true, p["fixed_size"])
        val spec = ModelSpec(scale, 1, "y", DType.FLOAT32, Quantization.NONE, DType.FLOAT32, Quantization.NONE,
            tile, tile, tile, Golden.int(p["overlap"]))
        val image = FloatImage(h, w, 3, TensorCodec.argbToFloat(Golden.ints(p["argb"])))
        var tiles = 0
        val sr = Upscaler.upscale(image, spec, { t ->
            assertEquals(1, t.channels)
            assertEquals(tile, t.height)
            tiles++
            TilingTest.nearest(TilingTest.box3(t), scale)
        })
        assertTrue(tiles > 1)
        assertEquals(3, sr.channels)
        assertEquals(h * scale, sr.height)
        assertArrayEquals(Golden.floats(p["expected"]), sr.data, 1e-5f)
        val expected = Golden.ints(p["expected_argb"])
        val argb = TensorCodec.floatToArgb(sr.data)
        for (i in argb.indices) for (shift in intArrayOf(0, 8, 16)) { // a float tie may round either way
            val d = ((argb[i] shr shift) and 255) - ((expected[i] shr shift) and 255)
            assertTrue("pixel $i: ${argb[i]} vs ${expected[i]}", abs(d) <= 1)
        }
    }

    @Test
    fun rgbModelsStillSeeTheImage() {
        val image = FloatImage(7, 9, 3, FloatArray(7 * 9 * 3) { ((it * 29) % 97) / 96f })
        val spec = ModelSpec(2, 3, "rgb", DType.FLOAT32, Quantization.NONE, DType.FLOAT32, Quantization.NONE,
            -1, -1, 4, 1)
        val sr = Upscaler.upscale(image, spec, { t -> assertEquals(3, t.channels); TilingTest.nearest(t, 2) })
        assertArrayEquals(TilingTest.nearest(image, 2).data, sr.data, 1e-6f)
    }

    @Test
    fun sidecarsOfYModelsAreAcceptedAndOthersRefused() {
        Upscaler.requireSupported(ModelSpec.fromJson("""{"scale": 3, "channels": 1,
            "colour_space": "Y (ITU-R BT.601, [16, 235] / 255)"}"""))
        Upscaler.requireSupported(ModelSpec.fromJson("""{"scale": 3, "channels": 3, "colour_space": "RGB"}"""))
        try {
            Upscaler.requireSupported(ModelSpec.fromJson("""{"scale": 2, "channels": 3, "colour_space": "YCbCr"}"""))
            throw AssertionError("no error")
        } catch (e: IllegalArgumentException) {
            assertTrue(e.message!!, e.message!!.contains("channels=3") && e.message!!.contains("'y'"))
        }
    }
}
