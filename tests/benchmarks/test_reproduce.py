"""benchmarks/reproduce.py: the recipe table and exact resumption of a checkpointed run."""

import importlib.util
from pathlib import Path

import keras
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]


def _load_reproduce():
    spec = importlib.util.spec_from_file_location("reproduce", REPO / "benchmarks" /
                                                  "reproduce.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


reproduce = _load_reproduce()
# slow on JAX only: XLA:CPU compiles per shape (training steps, every test image size)
JAX_SLOW = pytest.mark.slow if keras.backend.backend() == "jax" else pytest.mark.usefixtures()

# The table: every row and the scales it asks for.
TABLE = {"srcnn_955": [3], "fsrcnn": [2, 3, 4], "espcn": [3], "vdsr": [2, 3, 4],
         "lapsrn": [2, 4], "edsr_baseline": [2, 3, 4], "dbpn_small": [2, 4]}
RECIPE_KEYS = {"paper", "paper_settings", "channels", "train_sets", "lr_patch",
               "scale_augment", "augment", "batch_size", "loss", "optimizer",
               "learning_rate", "schedule", "min_lr_ratio", "deviations"}


def test_recipe_table_is_complete():
    assert set(reproduce.RECIPES) == set(TABLE)
    for name, scales in TABLE.items():
        recipe = reproduce.RECIPES[name]
        assert RECIPE_KEYS <= set(recipe), (name, RECIPE_KEYS - set(recipe))
        assert set(scales) <= set(recipe["lr_patch"]), name
        assert recipe["channels"] in (1, 3)
        assert recipe["augment"] in ("none", "rot90")
        for key in ("train_set", "loss", "optimizer", "schedule"):
            assert key in recipe["paper_settings"], (name, key)
    # the targets the issue quotes
    assert reproduce.PAPER_PSNR["espcn"][3]["Set5"] == 32.55
    assert reproduce.PAPER_PSNR["srcnn_955"][3]["Set5"] == 32.39
    assert reproduce.PAPER_PSNR["fsrcnn"][3]["Set5"] == 33.16
    assert reproduce.BICUBIC_PSNR["Set5"][3] == 30.39


def test_batches_depend_on_seed_and_step_only(rng):
    lrs = [rng.random((20, 24, 1), dtype="float32") for _ in range(3)]
    hrs = [rng.random((60, 72, 1), dtype="float32") for _ in range(3)]
    a = reproduce.sample_batch(lrs, hrs, 3, 8, 4, seed=5, step=7, augment="rot90")
    b = reproduce.sample_batch(lrs, hrs, 3, 8, 4, seed=5, step=7, augment="rot90")
    c = reproduce.sample_batch(lrs, hrs, 3, 8, 4, seed=5, step=8, augment="rot90")
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert a[0].shape == (4, 8, 8, 1) and a[1].shape == (4, 24, 24, 1)
    assert not np.array_equal(a[0], c[0])


# Backend-independent code, but JAX's eager imresize compiles every op (about 20 s here).
@pytest.mark.tf_only
def test_pairs_are_aligned():
    """An LR patch is the bicubic downscale of its HR patch's neighbourhood."""
    from skimage import data as skdata
    import tempfile
    from PIL import Image
    with tempfile.TemporaryDirectory() as folder:
        Image.fromarray(skdata.astronaut()[100:196, 150:246]).save(Path(folder) / "a.png")
        lrs, hrs = reproduce.build_pool([folder], 3, 1)
    lr, hr = reproduce.sample_batch(lrs, hrs, 3, 8, 2, seed=0, step=0)
    block_means = hr.reshape(2, 8, 3, 8, 3, 1).mean(axis=(2, 4))
    assert np.abs(block_means - lr).mean() < 0.03


def _shipped_sidecars():
    from keras_sr.models.pretrained import WEIGHTS_DIR, available_weights
    return [WEIGHTS_DIR / name.replace(".weights.h5", ".json") for name in available_weights()]


@pytest.mark.datasets
@JAX_SLOW
@pytest.mark.parametrize("sidecar_path", _shipped_sidecars(), ids=lambda p: p.stem)
def test_every_shipped_model_scores_what_its_sidecar_says(datasets_dir, sidecar_path):
    """Each packaged model loads offline by name and measures its recorded Set5 PSNR."""
    import json

    from keras_sr import models
    from keras_sr.evaluation import evaluate
    sidecar = json.loads(sidecar_path.read_text())
    name, scale, channels = sidecar["model"], sidecar["scale"], sidecar["channels"]
    assert sidecar_path.name == f"{name}_x{scale}_c{channels}.json"
    model = models.get(name, scale=scale, channels=channels, weights="pretrained")
    ours = evaluate(model, str(datasets_dir / "Set5"), scale, progress=False)
    bicubic = evaluate("bicubic", str(datasets_dir / "Set5"), scale, progress=False)
    assert ours["psnr_y"] == pytest.approx(sidecar["psnr_y"]["Set5"], abs=0.01)
    assert ours["psnr_y"] > bicubic["psnr_y"] + 1.0
