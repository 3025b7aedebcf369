#!/usr/bin/env bash
# CI entry for the web demo. Installs only npm packages from the committed lock file.
# Needs: nodejs + npm, `apt-get install -y chromium`, and keras_sr installed (TF backend).
# Runs the sr_core unit tests (node --test) and the browser e2e test; the e2e's last line
# is "e2e: N passed, N failed".
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
npm ci --no-audit --no-fund --loglevel=error
node scripts/copy_wasm.mjs
node --test tests/
KERAS_BACKEND=tensorflow python make_fixtures.py --out build/fixtures 2>&1 | grep -E '^wrote|Traceback' || true
[[ -f build/fixtures/cases.json ]] || { echo "make_fixtures.py failed" >&2; exit 1; }
node e2e.mjs --fixtures build/fixtures --out e2e-output
