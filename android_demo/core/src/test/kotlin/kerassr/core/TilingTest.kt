package kerassr.core

import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test

class TilingTest {
    @Test
    fun tileStartsMatchPython() {
        val cases = Golden.load("tiles.json")["cases"] as List<*>
        assertEquals(8, cases.size)
        for (case in cases) {
            case as Map<*, *>
            val starts = Tiling.tileStarts(Golden.int(case["length"]), Golden.int(case["tile"]), Golden.int(case["overlap"]))
            assertArrayEquals("case $case", Golden.ints(case["starts"]), starts)
        }
    }

    @Test
    fun rampsSumToOneInOverlaps() {
        val starts = Tiling.tileStarts(20, 8, 2) // 0, 6, 12
        val w = Tiling.rampWeights(starts, 8, 2)
        val total = DoubleArray(40)
        for ((k, s) in starts.withIndex()) for (i in 0 until 16) total[s * 2 + i] += w[k][i]
        for (v in total) assertEquals(1.0, v, 1e-12)
    }

    @Test
    fun badOverlapNamesValues() {
        try {
            Tiling.tileStarts(10, 4, 2)
            throw AssertionError("no error")
        } catch (e: IllegalArgumentException) {
            assertTrue(e.message!!, e.message!!.contains("tile=4, overlap=2"))
        }
    }

    @Test
    fun blendedOutputMatchesPython() {
        val cases = Golden.load("blend.json")["cases"] as List<*>
        assertEquals(4, cases.size)
        for (case in cases) {
            case as Map<*, *>
            val image = FloatImage(Golden.int(case["height"]), Golden.int(case["width"]),
                Golden.int(case["channels"]), Golden.floats(case["input"]))
            val scale = Golden.int(case["scale"])
            val model: (FloatImage) -> FloatImage =
                if (case["model"] == "nearest") { t -> nearest(t, scale) } else { t -> nearest(box3(t), scale) }
            var calls = 0
            val sr = Tiling.upscaleTiled(image, scale, Golden.int(case["tile"]), Golden.int(case["overlap"]),
                case["fixed_size"] as Boolean, model) { done, total -> calls++; assertTrue(done <= total) }
            assertTrue(calls >= 1)
            assertEquals(image.height * scale, sr.height)
            assertArrayEquals("case ${case["name"]}", Golden.floats(case["expected"]), sr.data, 1e-6f)
        }
    }

    @Test
    fun nearestModelTiledEqualsWholeImage() {
        val image = FloatImage(23, 31, 3, FloatArray(23 * 31 * 3) { ((it * 37) % 101) / 100f })
        val sr = Tiling.upscaleTiled(image, 3, 10, 3, true, { t -> nearest(t, 3) })
        assertArrayEquals(nearest(image, 3).data, sr.data, 1e-6f)
    }

    companion object {
        fun nearest(t: FloatImage, s: Int): FloatImage {
            val out = FloatArray(t.height * s * t.width * s * t.channels)
            for (y in 0 until t.height * s) for (x in 0 until t.width * s) for (c in 0 until t.channels)
                out[(y * t.width * s + x) * t.channels + c] = t.data[((y / s) * t.width + x / s) * t.channels + c]
            return FloatImage(t.height * s, t.width * s, t.channels, out)
        }

        /** 3x3 mean with edge replication, in double like the numpy reference. */
        fun box3(t: FloatImage): FloatImage {
            val out = FloatArray(t.data.size)
            for (y in 0 until t.height) for (x in 0 until t.width) for (c in 0 until t.channels) {
                var sum = 0.0
                for (dy in -1..1) for (dx in -1..1) {
                    val sy = (y + dy).coerceIn(0, t.height - 1)
                    val sx = (x + dx).coerceIn(0, t.width - 1)
                    sum += t.data[(sy * t.width + sx) * t.channels + c]
                }
                out[(y * t.width + x) * t.channels + c] = (sum / 9.0).toFloat()
            }
            return FloatImage(t.height, t.width, t.channels, out)
        }
    }
}
