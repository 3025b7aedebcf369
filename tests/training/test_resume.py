"""Exact resume: an interrupted run (even by kill -9) ends where an uninterrupted one does."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from keras_sr.training import trainer

REPO = Path(__file__).resolve().parents[2]


def _weights(result):
    return [np.asarray(w) for w in result["model"].get_weights()]


def _run(config, **changes):
    cfg = dict(config, **changes)
    cfg["data"] = dict(cfg["data"], val=None)   # keep it short: no validation
    cfg["callbacks"] = dict(cfg["callbacks"], images_every=0, plot=False)
    return trainer.train(cfg, log=lambda message: None)


def test_resume_after_interruption_matches_uninterrupted(tiny_config, tmp_path):
    whole = _run(tiny_config, epochs=2, output_dir=str(tmp_path / "whole"))
    _run(tiny_config, epochs=1, output_dir=str(tmp_path / "parts"))
    resumed = _run(tiny_config, epochs=2, output_dir=str(tmp_path / "parts"))
    assert resumed["initial_epoch"] == 1
    assert [h["epoch"] for h in resumed["history"]] == [1, 2]
    np.testing.assert_allclose(resumed["history"][1]["loss"], whole["history"][1]["loss"],
                               rtol=1e-5)
    for a, b in zip(_weights(whole), _weights(resumed)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


_SCRIPT = textwrap.dedent("""
    import json, sys, time
    import keras
    from keras_sr.training import trainer

    class Slow(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            time.sleep(float(sys.argv[2]))

    config = json.loads(open(sys.argv[1]).read())
    trainer.train(config, log=print, extra_callbacks=[Slow()])
""")


def _subprocess(config_path, delay):
    env = dict(os.environ, PYTHONPATH=str(REPO), TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.Popen([sys.executable, "-c", _SCRIPT, str(config_path), str(delay)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


@pytest.mark.slow
def test_resume_after_kill_9(tiny_config, tmp_path):
    config = dict(tiny_config, epochs=4, output_dir=str(tmp_path / "killed"))
    config["data"] = dict(config["data"], val=None)
    config["callbacks"] = dict(config["callbacks"], images_every=0, plot=False)
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    process = _subprocess(path, delay=0.5)
    state = Path(config["output_dir"]) / "checkpoints" / "state.json"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        if state.is_file() and json.loads(state.read_text())["epoch"] >= 2:
            break
        time.sleep(0.05)
    assert process.poll() is None, process.stdout.read().decode()[-2000:]
    time.sleep(0.7)   # in the middle of epoch 3
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    epoch_at_kill = json.loads(state.read_text())["epoch"]
    assert 2 <= epoch_at_kill < 4

    finish = _subprocess(path, delay=0.0)
    output = finish.communicate(timeout=300)[0].decode()
    assert finish.returncode == 0, output[-2000:]
    assert f"resuming from epoch {epoch_at_kill} of 4" in output
    whole = _run(tiny_config, epochs=4, output_dir=str(tmp_path / "whole"))
    full = trainer.read_config(config)
    model = trainer.build_model(full)
    model.compile(optimizer=trainer.build_optimizer(full), loss="mse")
    model.optimizer.build(model.trainable_variables)
    model.load_weights(Path(config["output_dir"]) / "checkpoints" / "last.weights.h5")
    assert int(model.optimizer.iterations) == 4 * config["steps_per_epoch"]
    for a, b in zip(_weights(whole), model.get_weights()):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-5, atol=1e-6)
