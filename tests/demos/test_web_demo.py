"""Web demo: sr_core.js unit tests (node) and the Chromium end-to-end test against
Python LiteRT output, including the page's first open: its built-in int8 ESPCN x3 on a
real image, within 0.1 dB of the Python path (web_demo/check_builtin.py)."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "web_demo"
CHROMIUM = Path("/usr/bin/chromium")

needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node not installed")


@needs_node
def test_sr_core_node_tests_pass():
    result = subprocess.run(["node", "--test", "tests/"], cwd=WEB, capture_output=True,
                            text=True, timeout=300)
    output = result.stdout + result.stderr
    passed = re.search(r"^# pass (\d+)$", output, re.M)
    failed = re.search(r"^# fail (\d+)$", output, re.M)
    assert passed and failed, output
    assert int(failed.group(1)) == 0 and int(passed.group(1)) >= 6, output
    assert result.returncode == 0, output


@pytest.mark.tf_only
@pytest.mark.slow
@needs_node
@pytest.mark.skipif(not CHROMIUM.is_file(), reason="chromium missing: apt-get install -y chromium")
@pytest.mark.skipif(not (WEB / "node_modules" / "playwright-core").is_dir()
                    or not (WEB / "node_modules" / "@litertjs" / "core").is_dir(),
                    reason="web_demo/node_modules missing: cd web_demo && npm ci")
def test_browser_upscale_matches_python_litert(tmp_path):
    env = dict(os.environ, KERAS_BACKEND="tensorflow")
    fixtures = tmp_path / "fixtures"
    subprocess.run(["python", str(WEB / "make_fixtures.py"), "--out", str(fixtures)],
                   check=True, capture_output=True, timeout=600, env=env)
    cases = json.loads((fixtures / "cases.json").read_text())["cases"]
    assert {c["io"] for c in cases} == {"float32", "uint8"}
    subprocess.run(["node", "scripts/copy_wasm.mjs"], cwd=WEB, check=True, capture_output=True)
    result = subprocess.run(["node", "e2e.mjs", "--fixtures", str(fixtures), "--out",
                             str(tmp_path / "shots")], cwd=WEB, capture_output=True, text=True,
                            timeout=600)
    output = result.stdout + result.stderr
    match = re.search(r"^e2e: (\d+) passed, (\d+) failed$", output, re.M)
    assert match, output
    assert (int(match.group(1)), int(match.group(2))) == (len(cases), 0), output
    for case in cases:
        assert (tmp_path / "shots" / f"{case['name']}.png").stat().st_size > 10_000
    assert [c["builtin"] for c in cases if c["name"] == "builtin"] == ["espcn_x3_int8.tflite"]
    check = subprocess.run(["python", str(WEB / "check_builtin.py"), "--fixtures", str(fixtures),
                            "--page", str(tmp_path / "shots")], capture_output=True, text=True,
                           timeout=600, env=env)
    assert check.returncode == 0, check.stdout + check.stderr
    line = re.search(r"^builtin: page ([\d.]+) dB, Python ([\d.]+) dB, bicubic ([\d.]+) dB",
                     check.stdout, re.M)
    assert line, check.stdout
    page, python, bicubic = (float(v) for v in line.groups())
    assert abs(page - python) <= 0.1 and page > bicubic
