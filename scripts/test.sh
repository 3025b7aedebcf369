#!/usr/bin/env bash
# The README's test command: installs what the tests need, then runs
#   1. the Python suite on the TensorFlow backend,
#   2. the Python suite on the JAX backend (TF-only tests skip themselves),
#   3. the Android core JUnit tests and the browser end-to-end test (when their tools exist).
# Slow tests are kept out; run them with: python -m pytest -m slow
# Both pytest runs use two worker processes (pytest-xdist, the [dev] extra).
set -euo pipefail
cd "$(dirname "$0")/.."
export KERAS_SR_DATA="${KERAS_SR_DATA:-$(cd .. && pwd)/shared/datasets}"
export TF_CPP_MIN_LOG_LEVEL=2

python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
bash scripts/install_demo_tools.sh

status=0
echo "== pytest, TensorFlow backend"
KERAS_BACKEND=tensorflow python -m pytest -q -p no:cacheprovider -n 2 || status=1
echo "== pytest, JAX backend"
# Files whose code never touches the Keras backend (PIL/numpy image IO, the float64
# numpy scorer of the evaluation protocol, demo tooling) run once, above.
KERAS_BACKEND=jax python -m pytest -q -p no:cacheprovider -n 2 \
    --ignore=tests/data/test_io.py --ignore=tests/data/test_benchmark_sets.py \
    --ignore=tests/test_evaluation.py --ignore=tests/demos || status=1
echo "== notebooks (executed with tiny parameters, TensorFlow backend)"
KERAS_BACKEND=tensorflow python -m pytest -q -p no:cacheprovider -n 2 -m slow \
    tests/demos/test_notebooks.py || status=1
echo "== Android core (Kotlin, JUnit 4)"
bash android_demo/ci.sh || status=1
echo "== Browser demo (LiteRT.js in headless Chromium)"
bash web_demo/ci.sh || status=1
exit $status
