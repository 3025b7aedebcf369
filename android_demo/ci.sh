#!/usr/bin/env bash
# CI entry for the Android demo: builds the pure-Kotlin core and runs its JUnit tests.
# Installs nothing; needs `apt-get install -y kotlin junit4`. Last line: "JUnit: N passed, N failed".
# The APK itself is not built in CI (no Android SDK / Gradle plugin / LiteRT AAR here).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$here/core/run_tests.sh"
