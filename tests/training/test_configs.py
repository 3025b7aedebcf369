"""configs/: every config passes ``keras-sr train --dry-run``; every shipped weight names
the config of its recipe, which matches what its sidecar says was run, and still scores
the Set5 PSNR its sidecar records."""

import json
from pathlib import Path

import keras
import pytest

from keras_sr import cli
from keras_sr.models.pretrained import WEIGHTS_DIR, available_weights
from keras_sr.training.config import read_config

REPO = Path(__file__).resolve().parents[2]
CONFIGS = sorted((REPO / "configs").glob("*.yaml"))
SIDECARS = [WEIGHTS_DIR / name.replace(".weights.h5", ".json") for name in available_weights()]
# slow on JAX only: XLA:CPU compiles per shape (every test image size)
JAX_SLOW = pytest.mark.slow if keras.backend.backend() == "jax" else pytest.mark.datasets


@pytest.mark.datasets
@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_every_config_passes_the_dry_run(path, datasets_dir, monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(REPO)   # the configs name keras_sr/weights/... and runs/... from here
    monkeypatch.setenv("KERAS_SR_DATA", str(datasets_dir))
    assert cli.main(["train", "--config", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    config = read_config(path)
    assert "keras-sr train: dry run: the config is valid; nothing was trained" in out
    assert f"model: {config['model']} x{config['scale']}" in out
    total = config["epochs"] * config["steps_per_epoch"]
    assert f"= {total:,}, batch {config['data']['batch_size']}" in out
    assert f"output: {config['output_dir']}" in out
    resumable = (REPO / config["output_dir"] / "checkpoints" / "state.json").exists()
    assert ("resumes" in out) == resumable


def test_every_shipped_weight_names_a_config():
    assert len(SIDECARS) == 10
    for sidecar in SIDECARS:
        meta = json.loads(sidecar.read_text())
        assert meta["config"] == f"configs/{meta['model']}_x{meta['scale']}.yaml"
        assert (REPO / meta["config"]).is_file(), meta["config"]


@pytest.mark.parametrize("sidecar", SIDECARS, ids=lambda p: p.stem)
def test_config_is_what_made_the_shipped_weight(sidecar):
    """The config is the one the sidecar records: for weights made by ``keras-sr train``
    (``scripts/ship_weights.py``), the whole config as the trainer read it; for the older
    files of the former ``benchmarks/reproduce.py``, model, steps, rate, patch, batch and
    parent as its ``made_by`` records."""
    meta = json.loads(sidecar.read_text())
    config = read_config(REPO / meta["config"])
    if meta["made_by"] == f"keras-sr train --config {meta['config']}":
        assert json.loads(json.dumps(config)) == meta["train_config"]
        assert meta["steps"] == meta["epoch"] * config["steps_per_epoch"]
        assert meta["epoch"] <= config["epochs"]
        return
    assert (config["model"], config["scale"], config["channels"]) == \
        (meta["model"], meta["scale"], meta["channels"])
    assert config["epochs"] * config["steps_per_epoch"] == meta["steps"]
    assert config["optimizer"]["learning_rate"] == meta["recipe"]["learning_rate"]
    assert config["data"]["patch_size"] == meta["lr_patch"]
    made_by = meta["made_by"].split()
    batch = (int(made_by[made_by.index("--batch-size") + 1]) if "--batch-size" in made_by
             else meta["recipe"]["batch_size"])
    assert config["data"]["batch_size"] == batch
    assert config["loss"] == "l2" and meta["recipe"]["loss"] == "mse"
    assert config["schedule"] == {"name": "cosine", "final_ratio": meta["recipe"]["min_lr_ratio"]}
    assert config["data"]["augment"] == (meta["recipe"]["augment"] == "rot90")
    factors = meta["recipe"]["scale_augment"]
    assert config["data"]["scale_augment"] == (None if factors == [1.0] else factors)
    assert [Path(t).name for t in config["data"]["train"]] == meta["train_sets"]
    assert (config["weights"] is None) == (meta["init"] is None)   # staged: names a parent


@pytest.mark.datasets
@JAX_SLOW
@pytest.mark.parametrize("sidecar", SIDECARS, ids=lambda p: p.stem)
def test_every_shipped_model_scores_what_its_sidecar_says(datasets_dir, sidecar):
    """Each packaged model loads offline by name and measures its recorded Set5 PSNR."""
    from keras_sr import models
    from keras_sr.inference.evaluate import evaluate

    meta = json.loads(sidecar.read_text())
    name, scale, channels = meta["model"], meta["scale"], meta["channels"]
    assert sidecar.name == f"{name}_x{scale}_c{channels}.json"
    model = models.get(name, scale=scale, channels=channels, weights="pretrained")
    ours = evaluate(model, str(datasets_dir / "Set5"), scale, progress=False)
    bicubic = evaluate("bicubic", str(datasets_dir / "Set5"), scale, progress=False)
    assert ours["psnr_y"] == pytest.approx(meta["psnr_y"]["Set5"], abs=0.01)
    assert ours["psnr_y"] > bicubic["psnr_y"] + 1.0
