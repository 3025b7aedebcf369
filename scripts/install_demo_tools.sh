#!/usr/bin/env bash
# System tools for the demo tests: Debian's kotlin + junit4 (Android core JUnit run) and
# chromium (browser end-to-end test). Installs only what is missing, with apt-get, which
# needs root. Without root or apt-get it prints one line and exits 0: scripts/test.sh
# then skips the Android and browser parts, each with one line saying why.
set -euo pipefail
missing=()
command -v kotlinc >/dev/null 2>&1 || missing+=(kotlin)
[ -f /usr/share/java/junit4.jar ] || missing+=(junit4)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install_demo_tools: skipped (needs root and apt-get): ${missing[*]} not installed"
    exit 0
fi
echo "install_demo_tools: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
