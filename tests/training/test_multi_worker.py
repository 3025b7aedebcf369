"""``distribution: multi_worker``: TF_CONFIG errors, and two real worker processes on
127.0.0.1 (loopback only) trained by ``keras-sr train`` against a one-process run."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest
import yaml

from keras_sr.training import callbacks as cb
from keras_sr.training import distribute, trainer
from keras_sr.training.config import ConfigError, read_config

REPO = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- TF_CONFIG
def test_tf_config_is_parsed():
    two = {"cluster": {"worker": ["127.0.0.1:1001", "127.0.0.1:1002"]},
           "task": {"type": "worker", "index": 1}}
    info = distribute.read_tf_config(json.dumps(two))
    assert info["num_workers"] == 2 and info["task_index"] == 1 and not info["is_chief"]
    two["task"]["index"] = 0
    assert distribute.read_tf_config(json.dumps(two))["is_chief"]
    # with a chief job, worker 0 is not the chief
    chief = {"cluster": {"chief": ["h:1"], "worker": ["h:2"]}, "task": {"type": "worker",
                                                                      "index": 0}}
    info = distribute.read_tf_config(json.dumps(chief))
    assert info["num_workers"] == 2 and not info["is_chief"]
    chief["task"] = {"type": "chief", "index": 0}
    assert distribute.read_tf_config(json.dumps(chief))["is_chief"]


@pytest.mark.parametrize("text, message", [
    ("", r"needs the TF_CONFIG environment variable"),
    ("{cluster: 1", r"TF_CONFIG is not valid JSON"),
    ('{"task": {"type": "worker", "index": 0}}', r"TF_CONFIG must hold a 'cluster'"),
    ('{"cluster": {"worker": ["a:1"], "ps": ["b:2"]}, "task": {"type": "worker"}}',
     r"TF_CONFIG cluster job 'ps'"),
    ('{"cluster": {"worker": ["nohost"]}, "task": {"type": "worker", "index": 0}}',
     r"'host:port'"),
    ('{"cluster": {"worker": ["a:1"]}}', r"TF_CONFIG 'task' must be"),
    ('{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 2}}',
     r"TF_CONFIG 'task.index' must be an integer in \[0, 1\].*got 2"),
])
def test_tf_config_errors_name_the_variable(text, message):
    with pytest.raises(ConfigError, match=message):
        distribute.read_tf_config(text)


def test_multi_worker_config_value_and_missing_tf_config(tiny_config, monkeypatch):
    assert read_config(dict(tiny_config, distribution="multi_worker"))["distribution"] == \
        "multi_worker"
    monkeypatch.delenv("TF_CONFIG", raising=False)
    config = dict(tiny_config, distribution="multi_worker")
    if keras.backend.backend() == "tensorflow":
        match = r"needs the TF_CONFIG environment variable"
    else:
        match = r"needs the TensorFlow backend.*data_parallel.*keras.distribution"
    with pytest.raises(ConfigError, match=match):
        trainer.train(config, log=lambda message: None)


def test_multi_worker_refuses_jax_with_a_pointer_to_data_parallel(monkeypatch):
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    monkeypatch.setenv("TF_CONFIG", '{"cluster": {"worker": ["a:1"]}, '
                                    '"task": {"type": "worker", "index": 0}}')
    with pytest.raises(ConfigError, match=r"backend is 'jax'.*'distribution: data_parallel'"):
        distribute.multi_worker_strategy()


# --------------------------------------------------------------------------- 2 workers
def _free_ports(count):
    sockets = []
    for _ in range(count):
        handle = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        handle.bind(("127.0.0.1", 0))   # loopback only
        sockets.append(handle)
    ports = [handle.getsockname()[1] for handle in sockets]
    for handle in sockets:
        handle.close()
    return ports


def _start_workers(config_path, count, tmp_path):
    ports = _free_ports(count)
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    processes = []
    for index in range(count):
        env = dict(os.environ, PYTHONPATH=str(REPO), KERAS_BACKEND="tensorflow",
                   TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="",
                   TF_CONFIG=json.dumps({"cluster": cluster,
                                         "task": {"type": "worker", "index": index}}))
        log = open(tmp_path / f"worker_{index}.log", "w")
        processes.append((subprocess.Popen(
            [sys.executable, "-m", "keras_sr.cli", "train", "--config", str(config_path)],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=str(tmp_path)), log))
    return processes


def _run_two_workers(config_path, tmp_path, timeout):
    """Start two workers on ``config_path``, wait for them; their exit codes and logs."""
    codes = _wait(_start_workers(config_path, 2, tmp_path), timeout=timeout)
    return codes, [(tmp_path / f"worker_{i}.log").read_text() for i in range(2)]


def _wait(processes, timeout):
    deadline = time.monotonic() + timeout
    try:
        for process, _ in processes:
            process.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        pass
    finally:
        for process, log in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
            log.close()
    return [process.returncode for process, _ in processes]


def _trained_weights(config, directory):
    model = trainer.build_model(config)
    model.compile(optimizer=trainer.build_optimizer(config), loss=trainer.build_loss(config))
    state = cb.restore(model, directory)
    return [np.asarray(w) for w in model.get_weights()], state, model


@pytest.mark.slow
@pytest.mark.tf_only
def test_two_workers_on_loopback_train_like_one_process(tiny_config, tmp_path):
    config = read_config(dict(tiny_config, distribution="multi_worker",
                              output_dir=str(tmp_path / "multi")))
    config["callbacks"].update(images_every=2, tensorboard=True, plot=True, verbose=0)
    path = tmp_path / "multi.yaml"
    path.write_text(yaml.safe_dump(config))

    codes, logs = _run_two_workers(path, tmp_path, timeout=420)
    assert codes == [0, 0], "\n----\n".join(log[-3000:] for log in logs)
    assert "worker 0 of 2 workers, 2 replicas in sync (chief" in logs[0]
    assert "worker 1 of 2 workers, 2 replicas in sync" in logs[1]

    out = Path(config["output_dir"])
    # Only the chief (worker 0) writes the run's files; worker 1 keeps its checkpoints
    # (for the NaN guard and resume) in workertemp_1 and writes nothing else.
    for name in ("checkpoints/last.weights.h5", "checkpoints/state.json", "summary.json",
                 "learning_curve.png", "images/epoch_0002.png"):
        assert (out / name).is_file(), name
    assert any((out / "tensorboard").rglob("events.out.tfevents*"))
    assert sorted(p.name for p in out.iterdir()) == [
        "checkpoints", "images", "learning_curve.png", "summary.json", "tensorboard",
        "workertemp_1"]
    worker = out / "workertemp_1"
    assert sorted(p.name for p in worker.iterdir()) == ["checkpoints", "summary.json"]
    assert json.loads((worker / "summary.json").read_text())["is_chief"] is False
    chief_summary = json.loads((out / "summary.json").read_text())
    assert chief_summary["replicas"] == 2 and chief_summary["is_chief"] is True
    assert [h["epoch"] for h in chief_summary["history"]] == [1, 2]
    assert all(5 < h["val_psnr"] < 60 for h in chief_summary["history"])   # chief validated

    chief, chief_state, _ = _trained_weights(config, out / "checkpoints")
    other, other_state, _ = _trained_weights(config, worker / "checkpoints")
    assert chief_state["epoch"] == other_state["epoch"] == 2
    for a, b in zip(chief, other):   # the replicas stayed in sync, bit for bit
        np.testing.assert_array_equal(a, b)
    # the per-epoch training loss is the all-reduced one: the same on both workers
    np.testing.assert_allclose([h["loss"] for h in chief_state["history"]],
                               [h["loss"] for h in other_state["history"]], rtol=1e-6)

    # One process with the same global batch (4) reaches the same weights.
    single = dict(config, distribution=None, output_dir=str(tmp_path / "single"))
    single["data"] = dict(single["data"], val=None)
    single["callbacks"] = dict(single["callbacks"], images_every=0, plot=False,
                               tensorboard=False)
    result = trainer.train(single, log=lambda message: None)
    reference = [np.asarray(w) for w in result["model"].get_weights()]
    moved = max(float(np.abs(a - b).max()) for a, b in zip(reference, _trained_weights(
        dict(config, distribution=None), tmp_path / "single" / "checkpoints")[0]))
    assert moved == 0.0   # the returned model is the last epoch (no validation)
    np.testing.assert_allclose([h["loss"] for h in result["history"]],
                               [h["loss"] for h in chief_state["history"]], rtol=1e-4)
    # Measured: ~1e-8 apart; starting the data one batch late gives ~3e-3.
    for a, b in zip(reference, chief):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    keras.utils.set_random_seed(int(config["seed"]))   # the initial weights of both runs
    initial, no_state, _ = _trained_weights(dict(config, distribution=None), tmp_path / "none")
    assert no_state is None
    assert max(float(np.abs(a - b).max()) for a, b in zip(reference, initial)) > 1e-3

    # Resuming when worker 1 lost its checkpoints: both stop with a clear error (no hang).
    import shutil

    shutil.rmtree(worker / "checkpoints")
    config["epochs"] = 3
    path.write_text(yaml.safe_dump(config))
    codes, logs = _run_two_workers(path, tmp_path, timeout=300)
    assert codes == [2, 2], "\n----\n".join(log[-3000:] for log in logs)
    assert "workers would resume at different epochs (this one at 2" in logs[0]
    assert "workers would resume at different epochs (this one at 0" in logs[1]
