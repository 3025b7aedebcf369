"""Android demo core: golden fixtures are reproducible, agree with keras_sr, and the
Kotlin JUnit suite (Debian kotlinc + junit4) passes against them."""

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
CORE = REPO / "android_demo" / "core"


def _load_make_golden():
    spec = importlib.util.spec_from_file_location("make_golden", CORE / "make_golden.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_golden = _load_make_golden()


def test_regenerated_golden_files_are_identical(tmp_path):
    written = make_golden.write_all(tmp_path)
    assert len(written) == 4
    for path in written:
        committed = make_golden.GOLDEN_DIR / path.name
        assert committed.is_file(), f"{committed} missing: run python android_demo/core/make_golden.py"
        assert path.read_bytes() == committed.read_bytes(), f"{path.name} differs from the committed golden"


def test_tile_starts_cover_with_requested_overlap():
    for length, tile, overlap in [(10, 4, 1), (65, 32, 8), (100, 48, 12), (7, 16, 4)]:
        starts = make_golden.tile_starts(length, tile, overlap)
        assert starts[0] == 0 and starts[-1] + min(tile, length) == length
        gaps = np.diff(starts)
        assert np.all(gaps <= tile - overlap) and np.all(gaps > 0)
    with pytest.raises(ValueError, match="tile=4, overlap=2"):
        make_golden.tile_starts(10, 4, 2)


def test_blending_removes_seams_of_a_border_sensitive_model():
    rng = np.random.default_rng(0)
    image = rng.random((37, 29, 3)).astype(np.float32)
    model = make_golden.box3_nearest(2)
    whole = model(image)
    blended = make_golden.upscale_tiled(image, 2, 10, 3, model, fixed_size=False)
    hard = make_golden.upscale_tiled(image, 2, 10, 0, model, fixed_size=False)
    assert np.abs(blended - whole).mean() < 0.5 * np.abs(hard - whole).mean()
    exact = make_golden.upscale_tiled(image, 2, 10, 3, make_golden.nearest(2), fixed_size=True)
    np.testing.assert_array_equal(exact, make_golden.nearest(2)(image))


def test_quantization_matches_tflite_rounding():
    x = np.array([0.5, 1.5, 2.5, -0.5, -2.5, 300.0, -300.0]) * 1.0
    np.testing.assert_array_equal(make_golden.quantize(x, 1.0, 0, "int8"), [1, 2, 3, -1, -3, 127, -128])
    np.testing.assert_array_equal(make_golden.quantize(x, 1.0, 10, "uint8"), [11, 12, 13, 9, 7, 255, 0])


def test_tiling_agrees_with_keras_sr_inference_tiling():
    tiling = pytest.importorskip("keras_sr.inference.tiling",
                                 reason="keras_sr.inference.tiling not written yet")
    rng = np.random.default_rng(1)
    lr = rng.random((21, 18, 3)).astype(np.float32)

    def model(batch):  # nearest-neighbour x2 on a (1, h, w, c) batch: no border effect
        return np.repeat(np.repeat(np.asarray(batch), 2, axis=1), 2, axis=2)

    try:
        theirs = tiling.upscale_tiled(model, lr, 2, tile=8, overlap=2)
    except TypeError as error:
        pytest.skip(f"keras_sr.inference.tiling.upscale_tiled does not take a callable: {error}")
    ours = make_golden.upscale_tiled(lr, 2, 8, 2, make_golden.nearest(2), fixed_size=False)
    np.testing.assert_allclose(np.asarray(theirs), ours, atol=1e-6)


@pytest.mark.slow  # ~20 s unloaded (kotlinc); CI runs it through android_demo/ci.sh
@pytest.mark.skipif(shutil.which("kotlinc") is None or not Path("/usr/share/java/junit4.jar").is_file(),
                    reason="kotlinc / junit4 missing: apt-get install -y kotlin junit4")
def test_kotlin_core_junit_suite_passes(tmp_path):
    result = subprocess.run(["bash", str(CORE / "run_tests.sh")], capture_output=True, text=True,
                            timeout=600, env={"BUILD_DIR": str(tmp_path / "build"), "PATH": "/usr/bin:/bin"})
    output = result.stdout + result.stderr
    match = re.search(r"JUnit: (\d+) passed, (\d+) failed", output)
    assert match, output
    assert int(match.group(2)) == 0 and int(match.group(1)) >= 24, output
    assert result.returncode == 0, output
