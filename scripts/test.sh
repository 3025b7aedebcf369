#!/usr/bin/env bash
# The README's test command: installs what the tests need, then runs
#   1. the Python suite on the TensorFlow backend (it includes tests/docs: every bash and
#      python block of README.md and docs/*.md, run with tiny parameters),
#   2. the docstring examples (pytest --doctest-modules keras_sr) on both backends,
#   3. the Python suite on the JAX backend (TF-only tests skip themselves),
#   4. the notebooks with tiny parameters, the Android core JUnit tests and the browser
#      end-to-end test (when their tools exist: installing them needs root and apt-get;
#      without, each part is skipped with one line).
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
echo "== doctests (keras_sr docstring examples), TensorFlow and JAX backends"
KERAS_BACKEND=tensorflow python -m pytest -q -p no:cacheprovider -n 2 --doctest-modules keras_sr \
    || status=1
KERAS_BACKEND=jax python -m pytest -q -p no:cacheprovider -n 2 --doctest-modules keras_sr \
    || status=1
echo "== pytest, JAX backend"
# Files whose code never touches the Keras backend (PIL/numpy image IO, the float64
# numpy scorer of the evaluation protocol, demo tooling, the docs, MOS statistics and
# study pages, the video command's PyAV checks, LiteRT benchmarks), the command-line layer (argument
# handling, messages, fresh-process start-up: the numerics under it run here through the
# library's own tests) and the graph rewrites that exist only for TFLite conversion
# (split PReLU, sub-pixel deconvolution) run once, above.
KERAS_BACKEND=jax python -m pytest -q -p no:cacheprovider -n 2 \
    --ignore=tests/image/test_io.py --ignore=tests/data/test_sets.py \
    --ignore=tests/demos --ignore=tests/docs \
    --ignore=tests/metrics/test_mos.py --ignore=tests/commands/test_mos.py \
    --ignore=tests/commands/test_upscale_video.py \
    --ignore=tests/benchmarks \
    --ignore=tests/test_cli.py --ignore=tests/test_package.py \
    --ignore=tests/commands/test_eval.py --ignore=tests/commands/test_models_command.py \
    --ignore=tests/convert/test_import_command.py \
    --ignore=tests/quantization/test_split_prelu.py \
    --ignore=tests/quantization/test_subpixel.py || status=1
echo "== notebooks (executed with tiny parameters, TensorFlow backend)"
KERAS_BACKEND=tensorflow python -m pytest -q -p no:cacheprovider -n 2 -m slow \
    tests/demos/test_notebooks.py || status=1
echo "== Android core (Kotlin, JUnit 4)"
if command -v kotlinc >/dev/null 2>&1 && [ -f /usr/share/java/junit4.jar ]; then
    bash android_demo/ci.sh || status=1
else
    echo "skipped: kotlinc or junit4 missing (bash scripts/install_demo_tools.sh as root)"
fi
echo "== Browser demo (LiteRT.js in headless Chromium)"
if command -v chromium >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    bash web_demo/ci.sh || status=1
else
    echo "skipped: chromium or npm missing (bash scripts/install_demo_tools.sh as root)"
fi
exit $status
