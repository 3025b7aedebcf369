package kerassr.core

import org.junit.runner.JUnitCore
import org.junit.runner.notification.Failure
import org.junit.runner.notification.RunListener
import kotlin.system.exitProcess

/** Runs every JUnit class of the core module and prints `N passed, N failed` for CI. */
object RunAll {
    private val classes = arrayOf(JsonTest::class.java, SidecarTest::class.java,
        TensorCodecTest::class.java, TilingTest::class.java, YCbCrTest::class.java)

    @JvmStatic
    fun main(args: Array<String>) {
        val core = JUnitCore()
        core.addListener(object : RunListener() {
            override fun testFailure(failure: Failure) {
                println("FAILED ${failure.testHeader}: ${failure.message}")
                println(failure.trace.lines().take(8).joinToString("\n"))
            }
        })
        val result = core.run(*classes)
        val failed = result.failureCount
        val passed = result.runCount - failed
        println("JUnit: $passed passed, $failed failed")
        exitProcess(if (failed == 0 && result.runCount > 0) 0 else 1)
    }
}
