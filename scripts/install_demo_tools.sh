#!/usr/bin/env bash
# System tools for the demo tests: Debian's kotlin + junit4 (Android core JUnit run) and
# chromium (browser end-to-end test). Installs only what is missing; needs root and apt.
set -euo pipefail
missing=()
command -v kotlinc >/dev/null 2>&1 || missing+=(kotlin)
[ -f /usr/share/java/junit4.jar ] || missing+=(junit4)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_demo_tools: apt-get not found; install ${missing[*]} by hand" >&2
    exit 1
fi
echo "install_demo_tools: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
