"""The ``keras-sr`` front door: fast help, quiet stderr, one-line user errors."""

import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from keras_sr import cli

REPO = Path(__file__).resolve().parents[1]

HELP_PROBE = """
import contextlib, io, sys
from keras_sr import cli
for argv in [["--help"]] + [[name, "--help"] for name in cli.COMMANDS]:
    with contextlib.redirect_stdout(io.StringIO()) as out:
        try:
            cli.main(argv)
        except SystemExit as stop:
            assert stop.code == 0, (argv, stop.code)
    assert "usage: keras-sr" in out.getvalue(), argv
heavy = sorted(m for m in ("tensorflow", "keras", "jax", "numpy") if m in sys.modules)
print("heavy:", ",".join(heavy))
"""


def _keras_sr(*args, env_extra=None, timeout=300):
    """Run ``python -m keras_sr.cli ARGS`` from the repository root (this checkout)."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "keras_sr.cli", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_help_of_every_command_imports_no_tensorflow():
    result = subprocess.run([sys.executable, "-c", HELP_PROBE], cwd=REPO, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "heavy:"


def test_a_real_command_prints_no_tensorflow_startup_lines():
    result = _keras_sr("models", "--scale", "3", "--names", "espcn")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[2].split()[:3] == ["espcn", "post-upsampling", "x3"]
    assert result.stderr == ""


def test_noise_pattern_matches_tensorflow_lines_only():
    noise = [
        "WARNING: All log messages before absl::InitializeLog() is called are written to "
        "STDERR\n",
        "I0000 00:00:1796189541.199887    8634 port.cc:153] oneDNN custom operations are on.\n",
        "I0000 00:00:1796189541.200249    8634 cudart_stub.cc:31] Could not find cuda drivers\n",
        "E0000 00:00:1796189565.601332    8976 cuda_platform.cc:52] failed call to cuInit: "
        "INTERNAL\n",
        "W0000 00:00:1796189803.383877   17069 tf_tfl_flatbuffer_helpers.cc:364] Ignored "
        "output_format.\n",
        "To enable the following instructions: AVX2 FMA, in other operations, rebuild "
        "TensorFlow with the appropriate compiler flags.\n",
        "fully_quantize: 0, inference_type: 6, input_inference_type: FLOAT32\n",
        "INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n",
    ]
    kept = [
        "E0000 00:00:1796189565.601332    8976 interpreter.cc:52] Invalid tensor\n",
        "keras-sr export: no --train-dir, using scikit-image's built-in photos\n",
        "Traceback (most recent call last):\n",
    ]
    assert [bool(cli.NOISE.match(line)) for line in noise] == [True] * len(noise)
    assert [bool(cli.NOISE.match(line)) for line in kept] == [False] * len(kept)


def test_quiet_stderr_drops_noise_and_keeps_the_rest(capfd):
    with cli.QuietStderr():
        os.write(2, b"I0000 00:00:17.5    1 port.cc:153] oneDNN custom operations are on.\n")
        os.write(2, b"a real line\n")
        os.write(2, b"\r 3/10 progress\r 10/10 progress\n")
    assert capfd.readouterr().err == "a real line\n\r 3/10 progress\r 10/10 progress\n"


def test_models_with_scale_zero_is_a_one_line_error():
    result = _keras_sr("models", "--scale", "0")
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr


def test_broken_yaml_is_a_one_line_error_naming_the_file(tmp_path):
    config = tmp_path / "broken.yaml"
    config.write_text("model: [espcn\n")
    result = _keras_sr("train", "--config", str(config))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("keras-sr train: error:") and str(config) in lines[0]


def test_missing_image_is_a_one_line_error_and_debug_shows_the_traceback(tmp_path):
    missing = tmp_path / "missing.png"
    args = ("upscale", str(missing), str(tmp_path / "out.png"), "--model", "espcn",
            "--scale", "3")
    result = _keras_sr(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("keras-sr upscale: error:") and str(missing) in lines[0]
    debug = _keras_sr(*args, "--debug")
    assert debug.returncode == 1
    assert "Traceback (most recent call last)" in debug.stderr


def test_unknown_command_and_missing_config_file_exit_2(tmp_path):
    assert cli.main(["upscal"]) == 2
    missing = tmp_path / "nope.yaml"
    result = _keras_sr("train", "--config", str(missing))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        line for line in result.stderr.strip().splitlines()
        if line.startswith("keras-sr train: ") and str(missing) in line]


@pytest.mark.parametrize("command, hint", [("train", "resume"), ("eval", "interrupted")])
def test_ctrl_c_exits_130_with_a_hint(monkeypatch, capsys, command, hint):
    def interrupted(args):
        raise KeyboardInterrupt

    fake = types.SimpleNamespace(add_arguments=lambda parser: None, run=interrupted)
    monkeypatch.setattr(cli, "_load", lambda name: fake)
    assert cli.main([command]) == 130
    err = capsys.readouterr().err
    assert err.strip().startswith(f"keras-sr {command}: interrupted") and hint in err


def test_command_help_shows_defaults(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["upscale", "--help"])
    assert stop.value.code == 0
    assert "(default: pretrained)" in " ".join(capsys.readouterr().out.split())
