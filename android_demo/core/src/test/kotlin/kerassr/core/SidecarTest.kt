package kerassr.core

import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test

class SidecarTest {
    @Test
    fun readsGoldenSidecars() {
        val cases = Golden.load("sidecar.json")["cases"] as List<*>
        assertEquals(3, cases.size)
        for (case in cases) {
            case as Map<*, *>
            val text = jsonText(case["json"])
            val spec = ModelSpec.fromJson(text)
            val e = case["expected"] as Map<*, *>
            assertEquals(Golden.int(e["scale"]), spec.scale)
            assertEquals(Golden.int(e["channels"]), spec.channels)
            assertEquals(e["color_space"], spec.colorSpace)
            assertEquals(e["input_dtype"], spec.inputDtype.jsonName)
            assertEquals(e["output_dtype"], spec.outputDtype.jsonName)
            assertEquals(e["input_scale"] as Double, spec.inputQuant.scale, 0.0)
            assertEquals(Golden.int(e["input_zero_point"]), spec.inputQuant.zeroPoint)
            assertEquals(e["output_scale"] as Double, spec.outputQuant.scale, 0.0)
            assertEquals(Golden.int(e["output_zero_point"]), spec.outputQuant.zeroPoint)
            assertEquals(Golden.int(e["tile"]), spec.tile)
            assertEquals(Golden.int(e["overlap"]), spec.overlap)
            assertEquals(Golden.int(e["input_height"]), spec.inputHeight)
            assertEquals(Golden.int(e["input_width"]), spec.inputWidth)
        }
    }

    @Test
    fun badDtypeNamesTheField() {
        try {
            ModelSpec.fromJson("""{"scale": 2, "input": {"dtype": "int16"}}""")
            throw AssertionError("no error")
        } catch (e: IllegalArgumentException) {
            assertTrue(e.message!!, e.message!!.contains("input dtype") && e.message!!.contains("int16"))
        }
    }

    @Test
    fun missingScaleIsAnError() {
        try {
            ModelSpec.fromJson("""{"channels": 3}""")
            throw AssertionError("no error")
        } catch (e: IllegalArgumentException) {
            assertTrue(e.message!!, e.message!!.contains("scale"))
        }
    }

    /** Writes a parsed value back as JSON text (the fixture stores sidecars as objects). */
    private fun jsonText(v: Any?): String = when (v) {
        null -> "null"
        is Map<*, *> -> v.entries.joinToString(",", "{", "}") { "${jsonText(it.key)}:${jsonText(it.value)}" }
        is List<*> -> v.joinToString(",", "[", "]") { jsonText(it) }
        is String -> "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\""
        else -> v.toString()
    }
}
