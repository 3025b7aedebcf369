"""Tests of keras_sr.data.sets: the resolver (explicit > KERAS_SR_DATA > ~/.keras_sr), names,
HR/LR pairs, offline errors."""

import io
import tarfile
import urllib.error

import numpy as np
import pytest

from keras_sr.data import sets
from keras_sr.data.sets import (DatasetNotFoundError, canonical_name, data_root, data_roots,
                                download_dataset, hr_lr_folders, resolve_dataset)
from keras_sr.image.io import write_image


def test_data_root_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_SR_DATA", str(tmp_path))
    assert data_root() == tmp_path
    monkeypatch.delenv("KERAS_SR_DATA")
    assert data_root().parts[-2:] == (".keras_sr", "datasets")


@pytest.mark.parametrize("given, expected", [
    ("set5", "Set5"), ("SET14", "Set14"), ("bsd100", "B100"), ("b100", "B100"),
    ("urban100", "Urban100"), ("manga109", "Manga109"), ("div2k-valid", "DIV2K-valid"),
    ("DIV2K_valid", "DIV2K-valid"), ("Set6", None)])
def test_canonical_names(given, expected):
    assert canonical_name(given) == expected


def test_resolve_by_name_and_by_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "Set5").mkdir()
    monkeypatch.setenv("KERAS_SR_DATA", str(tmp_path))
    assert resolve_dataset("set5") == tmp_path / "Set5"
    assert resolve_dataset(tmp_path / "Set5") == tmp_path / "Set5"
    assert resolve_dataset(str(tmp_path)) == tmp_path


def test_unknown_name_names_every_place_tried(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_SR_DATA", str(tmp_path / "env"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    with pytest.raises(DatasetNotFoundError) as error:
        resolve_dataset("Set6", what="data.train")
    message = str(error.value)
    assert "data.train: folder or set 'Set6' not found" in message
    assert str(tmp_path / "env" / "Set6") in message
    assert str(tmp_path / "home" / ".keras_sr" / "datasets" / "Set6") in message
    assert "Set5, Set14, B100" in message


def test_order_explicit_then_environment_then_home(monkeypatch, tmp_path):
    env, home = tmp_path / "env", tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("KERAS_SR_DATA", str(env))
    (home / ".keras_sr" / "datasets" / "T91").mkdir(parents=True)
    assert data_roots() == [env, home / ".keras_sr" / "datasets"]
    assert resolve_dataset("T91") == home / ".keras_sr" / "datasets" / "T91"
    (env / "T91").mkdir(parents=True)
    assert resolve_dataset("T91") == env / "T91"
    (tmp_path / "mine").mkdir()
    assert resolve_dataset(tmp_path / "mine") == tmp_path / "mine"
    monkeypatch.delenv("KERAS_SR_DATA")
    assert resolve_dataset("t91") == home / ".keras_sr" / "datasets" / "T91"


def test_the_library_never_looks_in_shared(monkeypatch, tmp_path):
    # ../shared/datasets next to the working directory is not a data root.
    (tmp_path / "shared" / "datasets" / "T91").mkdir(parents=True)
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KERAS_SR_DATA", raising=False)
    with pytest.raises(DatasetNotFoundError):
        resolve_dataset("T91")


def test_offline_message_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_SR_DATA", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(sets.urllib.request, "urlopen", offline)
    with pytest.raises(DatasetNotFoundError, match="Set14.*no network.*KERAS_SR_DATA.*folder"):
        resolve_dataset("Set14")
    with pytest.raises(DatasetNotFoundError, match="manga109.org"):
        resolve_dataset("Manga109")
    with pytest.raises(DatasetNotFoundError, match="download=False"):
        resolve_dataset("B100", download=False)


def test_download_unpacks_hr_images(monkeypatch, tmp_path, rng):
    # A fake server answering with a tar.gz of five PNGs in a sub-folder.
    source = tmp_path / "src" / "Set5_HR"
    for i in range(5):
        write_image(source / f"img_{i}.png", rng.integers(0, 256, (4, 4, 3), dtype=np.uint8))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(source, arcname="Set5_HR")
    monkeypatch.setattr(sets.urllib.request, "urlopen",
                        lambda url, timeout: io.BytesIO(buffer.getvalue()))
    folder = download_dataset("set5", root=tmp_path / "root")
    assert folder == tmp_path / "root" / "Set5"
    assert sorted(p.name for p in folder.iterdir()) == [f"img_{i}.png" for i in range(5)]
    assert [p.name for p in (tmp_path / "root").iterdir()] == ["Set5"]  # temp files gone


def test_download_checks_sha256(monkeypatch, tmp_path):
    monkeypatch.setitem(sets.DATASETS, "Set5",
                        dict(sets.DATASETS["Set5"], sha256="0" * 64))
    monkeypatch.setattr(sets.urllib.request, "urlopen",
                        lambda url, timeout: io.BytesIO(b"not the archive"))
    with pytest.raises(DatasetNotFoundError, match="sha256 mismatch"):
        download_dataset("Set5", root=tmp_path)


def test_hr_lr_folders(tmp_path):
    assert hr_lr_folders(tmp_path, 4) == (tmp_path, None)
    (tmp_path / "HR").mkdir()
    assert hr_lr_folders(tmp_path, 4) == (tmp_path / "HR", None)
    (tmp_path / "LR" / "X4").mkdir(parents=True)
    (tmp_path / "LR" / "X4" / "a.png").write_bytes(b"")
    assert hr_lr_folders(tmp_path, 4) == (tmp_path / "HR", tmp_path / "LR" / "X4")
    assert hr_lr_folders(tmp_path, 2) == (tmp_path / "HR", None)
