// Pure Kotlin/JVM module: tensor conversion, tiling and sidecar parsing, no android.*.
// In CI it is compiled with Debian's kotlinc by run_tests.sh instead (no Gradle there).
plugins { id("org.jetbrains.kotlin.jvm") }

kotlin { jvmToolchain(17) }

dependencies { testImplementation("junit:junit:4.13.2") }

tasks.test { systemProperty("golden.dir", file("src/test/resources/golden").absolutePath) }
