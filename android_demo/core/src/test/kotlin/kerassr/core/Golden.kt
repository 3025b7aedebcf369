package kerassr.core

import java.io.File

/** Loads the golden fixtures written by android_demo/core/make_golden.py. */
object Golden {
    private val dir: File by lazy {
        val fromProperty = System.getProperty("golden.dir")
        val candidates = listOfNotNull(fromProperty, "src/test/resources/golden",
            "android_demo/core/src/test/resources/golden")
        candidates.map { File(it) }.firstOrNull { it.isDirectory }
            ?: throw IllegalStateException("golden fixtures not found; tried $candidates (set -Dgolden.dir)")
    }

    fun load(name: String): Map<*, *> = Json.parse(File(dir, name).readText()) as Map<*, *>

    fun floats(value: Any?): FloatArray = (value as List<*>).map { (it as Double).toFloat() }.toFloatArray()

    fun ints(value: Any?): IntArray = (value as List<*>).map { (it as Double).toLong().toInt() }.toIntArray()

    fun int(value: Any?): Int = (value as Double).toInt()
}
