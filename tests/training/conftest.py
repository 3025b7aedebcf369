"""Fixtures of the training tests: a tiny HR folder and a tiny ESPCN config."""

import pytest
from PIL import Image


@pytest.fixture(scope="session")
def tiny_folders(tmp_path_factory):
    """(train folder with two 40x40 crops, validation folder with one 24x30 crop)."""
    from skimage import data

    root = tmp_path_factory.mktemp("tiny_sets")
    train, val = root / "train", root / "val"
    train.mkdir()
    val.mkdir()
    Image.fromarray(data.astronaut()[100:140, 180:220]).save(train / "a.png")
    Image.fromarray(data.coffee()[60:100, 120:160]).save(train / "b.png")
    Image.fromarray(data.chelsea()[80:104, 150:180]).save(val / "c.png")
    return train, val


@pytest.fixture
def tiny_config(tiny_folders, tmp_path):
    train, val = tiny_folders
    return {"model": "espcn", "scale": 2, "channels": 1,
            "model_args": {"filters": 8, "mapping_filters": 4},
            "data": {"train": str(train), "val": str(val), "patch_size": 6, "batch_size": 4},
            "epochs": 2, "steps_per_epoch": 3, "output_dir": str(tmp_path / "run"),
            "optimizer": {"name": "adam", "learning_rate": 1e-3},
            "callbacks": {"verbose": 0, "tensorboard": False}}
