"""The patch sampler: dense stride extraction, per-epoch shuffles, exact resume,
scale augmentation, bad files, and the README quick tour."""

import keras
import numpy as np
import pytest
from PIL import Image

from keras_sr.data import datasets
from keras_sr.data.augment import rescale
from keras_sr.data.patches import BadImagesError, PatchSampler


@pytest.fixture
def images(rng):
    return [rng.integers(0, 256, (24, 30, 3), dtype=np.uint8),
            rng.integers(0, 256, (18, 18, 3), dtype=np.uint8)]


def _all_grid_crops(images, side, step):
    return [image[t: t + side, l: l + side].tobytes() for image in images
            for t in range(0, image.shape[0] - side + 1, step)
            for l in range(0, image.shape[1] - side + 1, step)]


def test_dense_stride_visits_every_sub_image_once_per_epoch(images):
    # scale 2, LR patch 4 (HR 8), stride 2 LR pixels = 4 HR pixels
    sampler = PatchSampler(images, scale=2, patch_size=4, stride=2, augment=False, seed=3)
    expected = sorted(_all_grid_crops(images, 8, 4))
    assert len(sampler) == len(expected) == 5 * 6 + 3 * 3
    n = len(sampler)
    epoch0 = sampler.crops(np.arange(n))
    epoch1 = sampler.crops(np.arange(n, 2 * n))
    assert sorted(c.tobytes() for c in epoch0) == expected
    assert sorted(c.tobytes() for c in epoch1) == expected
    assert [c.tobytes() for c in epoch0] != [c.tobytes() for c in epoch1]   # reshuffled
    assert [c.tobytes() for c in epoch0] != expected                          # not in order


def test_batch_k_depends_only_on_seed_and_k(images):
    for stride in (None, 1):
        first = PatchSampler(images, 2, 4, stride=stride, seed=5)
        fresh = PatchSampler(images, 2, 4, stride=stride, seed=5)
        # a resumed sampler asked for batch 7 first gives what a run reaching it gives
        later = fresh.batch(7, 6)
        for step in range(8):
            batch = first.batch(step, 6)
        np.testing.assert_array_equal(batch, later)
        other = PatchSampler(images, 2, 4, stride=stride, seed=6).batch(7, 6)
        assert not np.array_equal(other, later)


def test_scale_augment_adds_shrunk_copies(images):
    sampler = PatchSampler(images[:1], scale=2, patch_size=4, stride=1, augment=False,
                           scale_augment=(1.0, 0.8))
    shrunk = rescale(images[0], 0.8)
    assert shrunk.shape == (20, 24, 3)
    assert [im.shape for im in sampler.images] == [(24, 30, 3), (20, 24, 3)]
    expected = sorted(_all_grid_crops([images[0], shrunk], 8, 2))
    assert sorted(c.tobytes() for c in sampler.crops(np.arange(len(sampler)))) == expected


def test_rotate_augment_gives_rotations_only(images):
    sampler = PatchSampler(images, 2, 4, augment="rotate", seed=1)
    assert set(sampler.plan(np.arange(400))[3]) == {0, 3, 5, 6}


def test_y_channel_training_batches(tmp_path, images):
    for i, image in enumerate(images):
        Image.fromarray(image).save(tmp_path / f"{i}.png")
    data = datasets.TrainingPyDataset(tmp_path, scale=2, patch_size=4, batch_size=3,
                                      steps_per_epoch=2, channels=1, stride=2,
                                      scale_augment=(1.0, 0.9), augment="rotate")
    lr, hr = data[0]
    assert lr.shape == (3, 4, 4, 1) and hr.shape == (3, 8, 8, 1)
    assert 16 / 255 - 1e-6 <= hr.min() and hr.max() <= 235 / 255 + 1e-6


def _mixed_folder(folder, rng):
    for i in range(3):
        Image.fromarray(rng.integers(0, 256, (20, 20, 3), dtype=np.uint8)).save(folder / f"{i}.png")
    (folder / "notes.png").write_text("not an image")
    Image.fromarray(np.zeros((1, 1, 3), np.uint8)).save(folder / "dot.png")
    (folder / "cut.png").write_bytes((folder / "0.png").read_bytes()[:60])
    return folder


def test_bad_files_are_listed_together(tmp_path, rng):
    folder = _mixed_folder(tmp_path, rng)
    with pytest.raises(BadImagesError) as error:
        PatchSampler(folder, 2, 4)
    message = str(error.value)
    assert "3 of 6 files" in message
    for name in ("notes.png", "dot.png", "cut.png"):
        assert name in message
    assert "1x1 pixels" in message and "skip_bad=True" in message
    assert sorted(p.rsplit("/", 1)[-1] for p, _ in error.value.bad) == \
        ["cut.png", "dot.png", "notes.png"]


def test_skip_bad_trains_on_the_rest_and_counts(tmp_path, rng):
    folder = _mixed_folder(tmp_path, rng)
    with pytest.warns(UserWarning, match="left out 3 bad file"):
        sampler = PatchSampler(folder, 2, 4, skip_bad=True)
    assert len(sampler.images) == 3
    assert sampler.batch(0, 4).shape == (4, 8, 8, 3)


@pytest.mark.tf_only
def test_readme_quick_tour(datasets_dir, monkeypatch):
    monkeypatch.setenv("KERAS_SR_DATA", str(datasets_dir))
    # T91 has images smaller than 192x192: they are left out with a warning.
    with pytest.warns(UserWarning, match="left out .* smaller than one 192x192"):
        train = datasets.training_dataset(["T91", "BSD200"], scale=4, patch_size=48,
                                          batch_size=16)
    lr, hr = next(iter(train))
    assert tuple(lr.shape) == (16, 48, 48, 3) and tuple(hr.shape) == (16, 192, 192, 3)


@pytest.mark.tf_only
def test_tf_data_and_pydataset_agree_with_stride_and_scale_augment(tmp_path, images):
    for i, image in enumerate(images):
        Image.fromarray(image).save(tmp_path / f"{i}.png")
    kwargs = dict(scale=2, patch_size=4, batch_size=5, stride=2, scale_augment=(1.0, 0.9),
                  augment="rotate", seed=2)
    stream = datasets.training_dataset(tmp_path, start_step=3, **kwargs)
    twin = datasets.TrainingPyDataset(tmp_path, steps_per_epoch=10, **kwargs)
    for step, (lr, hr) in zip(range(3, 6), stream):
        np.testing.assert_array_equal(np.asarray(hr), twin.batch_at(step)[1])
        np.testing.assert_allclose(np.asarray(lr), twin.batch_at(step)[0], atol=1e-6)
