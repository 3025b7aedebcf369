#!/usr/bin/env bash
# Compiles the pure-Kotlin core (no Android SDK needed) with Debian's kotlinc and runs its
# JUnit 4 tests against the golden fixtures. Prints "JUnit: N passed, N failed".
# Needs: apt-get install -y kotlin junit4   (kotlinc 1.3.31, /usr/share/java/junit4.jar)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${BUILD_DIR:-$here/build}"
java_dir=/usr/share/java
for jar in kotlin-stdlib.jar junit4.jar hamcrest-core.jar; do
  [[ -f "$java_dir/$jar" ]] || { echo "missing $java_dir/$jar (apt-get install -y kotlin junit4)" >&2; exit 2; }
done
command -v kotlinc >/dev/null || { echo "kotlinc not found (apt-get install -y kotlin)" >&2; exit 2; }
cp="$java_dir/junit4.jar:$java_dir/hamcrest-core.jar"
rm -rf "$build" && mkdir -p "$build/main" "$build/test"
# kotlinc 1.3 prints a JDK deprecation warning for -Xverify:none on Java >= 13: harmless.
kotlinc -jvm-target 1.8 -d "$build/main" $(find "$here/src/main/kotlin" -name '*.kt') 2>&1 \
  | grep -v -- '-Xverify:none' || true
[[ -f "$build/main/kerassr/core/Tiling.class" ]] || { echo "compiling the core failed" >&2; exit 1; }
kotlinc -jvm-target 1.8 -cp "$build/main:$cp" -d "$build/test" $(find "$here/src/test/kotlin" -name '*.kt') 2>&1 \
  | grep -v -- '-Xverify:none' || true
[[ -f "$build/test/kerassr/core/RunAll.class" ]] || { echo "compiling the tests failed" >&2; exit 1; }
java -Dgolden.dir="$here/src/test/resources/golden" \
  -cp "$build/main:$build/test:$java_dir/kotlin-stdlib.jar:$cp" kerassr.core.RunAll
