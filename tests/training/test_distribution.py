"""``distribution: data_parallel`` on 2 virtual CPU devices, each backend in a subprocess."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

_TF_SETUP = """
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()])
"""

_RUN = """
import json, sys
import numpy as np
from keras_sr.training import trainer
config = json.loads(sys.argv[1])
result = trainer.train(config, log=print)
print("RESULT", json.dumps({"replicas": result["replicas"],
                            "loss": [h["loss"] for h in result["history"]]}))
"""


def _train(backend, config, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO), KERAS_BACKEND=backend,
               TF_CPP_MIN_LOG_LEVEL="3")
    setup = _TF_SETUP if backend == "tensorflow" else ""
    if backend == "jax":
        env["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"
    config = dict(config, distribution="data_parallel", output_dir=str(tmp_path / backend))
    config["data"] = dict(config["data"], val=None)
    config["callbacks"] = dict(config["callbacks"], images_every=0, plot=False)
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(setup + _RUN),
                           json.dumps(config)], env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    line = [l for l in done.stdout.splitlines() if l.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_data_parallel_on_two_cpu_devices(backend, tiny_config, tmp_path):
    result = _train(backend, tiny_config, tmp_path)
    assert result["replicas"] == 2
    assert len(result["loss"]) == 2 and all(l == l for l in result["loss"])   # finite
    assert result["loss"][1] < result["loss"][0] * 1.5
