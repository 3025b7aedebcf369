#!/usr/bin/env bash
# CI entry for the web demo. Installs only npm packages from the committed lock file.
# Needs: nodejs + npm, `apt-get install -y chromium`, and keras_sr installed (TF backend).
# Runs the sr_core unit tests (node --test), the browser e2e test (its last line is
# "e2e: N passed, N failed") and check_builtin.py (the page's first-open result against
# the Python path, PSNR within 0.1 dB on a real image), then the MOS study page's
# end-to-end test (tests/demos/test_mos_page.py: scripted raters in Chromium).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
npm ci --no-audit --no-fund --loglevel=error
node scripts/copy_wasm.mjs
node --test tests/
KERAS_BACKEND=tensorflow python make_fixtures.py --out build/fixtures 2>&1 | grep -E '^wrote|Traceback' || true
[[ -f build/fixtures/cases.json ]] || { echo "make_fixtures.py failed" >&2; exit 1; }
node e2e.mjs --fixtures build/fixtures --out e2e-output
KERAS_BACKEND=tensorflow python check_builtin.py --fixtures build/fixtures --page e2e-output
(cd .. && KERAS_BACKEND=tensorflow python -m pytest -q -p no:cacheprovider -m slow \
    tests/demos/test_mos_page.py)
