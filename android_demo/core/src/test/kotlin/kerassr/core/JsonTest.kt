package kerassr.core

import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

class JsonTest {
    @Test
    fun parsesNestedValues() {
        val v = Json.parse(""" { "a": [1, -2.5e3, true, false, null], "b": {"c": "x\"y\\z\u00e9\n"} } """) as Map<*, *>
        assertEquals(listOf(1.0, -2500.0, true, false, null), v["a"])
        assertEquals("x\"y\\z\u00e9\n", (v["b"] as Map<*, *>)["c"])
    }

    @Test
    fun keepsKeyOrderAndEmptyContainers() {
        val v = Json.parse("""{"z": {}, "a": []}""") as Map<*, *>
        assertEquals(listOf("z", "a"), v.keys.toList())
        assertTrue((v["z"] as Map<*, *>).isEmpty())
        assertNull(Json.parse("null"))
    }

    @Test
    fun rejectsBadInputWithOffset() {
        for (bad in listOf("{", "[1,]", "{\"a\" 1}", "tru", "1 2", "\"abc", "-")) {
            try {
                Json.parse(bad)
                throw AssertionError("no error for '$bad'")
            } catch (e: IllegalArgumentException) {
                assertTrue(e.message!!, e.message!!.startsWith("invalid JSON at offset"))
            }
        }
    }
}
