"""Training / validation pipelines: shapes, determinism, exact resume, clear errors."""

import keras
import numpy as np
import pytest
from PIL import Image

from keras_sr import degradations
from keras_sr.data import datasets, patches
from keras_sr.data.augment import apply_symmetry
from keras_sr.image.resize import imresize
from keras_sr.image.color import rgb_to_y


@pytest.fixture(scope="module")
def hr_folder(tmp_path_factory):
    from skimage import data

    folder = tmp_path_factory.mktemp("hr")
    Image.fromarray(data.astronaut()[100:160, 180:252]).save(folder / "a.png")
    Image.fromarray(data.coffee()[50:98, 100:148]).save(folder / "b.png")
    return folder


def _batches(dataset, count):
    return [(np.asarray(lr), np.asarray(hr)) for lr, hr in dataset.take(count)]


@pytest.mark.tf_only
def test_training_dataset_shapes_and_bicubic_lr(hr_folder):
    data = datasets.training_dataset(hr_folder, scale=3, patch_size=6, batch_size=4, seed=1)
    (lr, hr), = _batches(data, 1)
    assert lr.shape == (4, 6, 6, 3) and hr.shape == (4, 18, 18, 3)
    assert lr.dtype == np.float32 and 0 <= hr.min() and hr.max() <= 1
    expected = np.round(np.clip(np.asarray(imresize(hr, scale=1 / 3)), 0, 1) * 255) / 255
    np.testing.assert_allclose(lr, expected, atol=1e-6)
    # HR patches are 8-bit pixels of the source images
    np.testing.assert_allclose(hr * 255, np.round(hr * 255), atol=1e-3)


def _assert_same_stream_and_exact_resume(hr_folder, kwargs, steps):
    """Two runs of ``training_dataset(**kwargs)`` give the same ``steps`` batches, and
    ``start_step=steps - 1`` starts exactly at the last one; returns the batches."""
    first = _batches(datasets.training_dataset(hr_folder, **kwargs), steps)
    again = _batches(datasets.training_dataset(hr_folder, **kwargs), steps)
    resumed = _batches(datasets.training_dataset(hr_folder, start_step=steps - 1, **kwargs), 1)
    for (a_lr, a_hr), (b_lr, b_hr) in zip(first, again):
        np.testing.assert_array_equal(a_lr, b_lr)
        np.testing.assert_array_equal(a_hr, b_hr)
    np.testing.assert_array_equal(first[-1][0], resumed[0][0])
    np.testing.assert_array_equal(first[-1][1], resumed[0][1])
    return first


@pytest.mark.tf_only
def test_training_dataset_deterministic_and_resumable(hr_folder):
    kwargs = dict(scale=2, patch_size=8, batch_size=2, channels=1,
                  degradation="blur-downscale-noise",
                  degradation_options={"kernel_size": 5}, seed=5)
    first = _assert_same_stream_and_exact_resume(hr_folder, kwargs, steps=3)
    other = _batches(datasets.training_dataset(hr_folder, **dict(kwargs, seed=6)), 1)
    assert not np.array_equal(first[0][1], other[0][1])
    assert first[0][1].shape == (2, 16, 16, 1)
    # Y channel: values within BT.601 studio range
    assert first[0][1].min() >= 16 / 255 - 1e-6 and first[0][1].max() <= 235 / 255 + 1e-6


@pytest.mark.tf_only
def test_paired_dataset_crops_match(tmp_path, rng):
    hr = (rng.random((24, 30, 3)) * 255).astype(np.uint8)
    lr = hr[::2, ::2]
    (tmp_path / "hr").mkdir()
    (tmp_path / "lr").mkdir()
    Image.fromarray(hr).save(tmp_path / "hr" / "x.png")
    Image.fromarray(lr).save(tmp_path / "lr" / "x.png")
    data = datasets.paired_dataset(tmp_path / "lr", tmp_path / "hr", scale=2, patch_size=5,
                                   batch_size=3, seed=2, augment=False)
    (lr_b, hr_b), = _batches(data, 1)
    np.testing.assert_array_equal(lr_b, hr_b[:, ::2, ::2])


def test_validation_images_modcrop_and_protocol(hr_folder):
    items = datasets.validation_images(hr_folder, 5)
    name, lr, hr = items[0]
    assert name == "a" and hr.shape == (60, 70, 3) and lr.shape == (12, 14, 3)
    expected = np.round(np.clip(np.asarray(imresize(hr, scale=0.2)), 0, 1) * 255) / 255
    np.testing.assert_allclose(lr, expected, atol=1e-6)
    _, lr_y, hr_y = datasets.validation_images(hr_folder, 5, channels=1)[0]
    np.testing.assert_allclose(hr_y, np.asarray(rgb_to_y(hr)), atol=1e-6)


def test_pydataset_is_deterministic_per_step(hr_folder):
    data = datasets.TrainingPyDataset(hr_folder, scale=2, patch_size=6, batch_size=3,
                                      steps_per_epoch=4, seed=3)
    lr, hr = data[1]
    assert lr.shape == (3, 6, 6, 3) and hr.shape == (3, 12, 12, 3)
    again = datasets.TrainingPyDataset(hr_folder, scale=2, patch_size=6, batch_size=3,
                                       steps_per_epoch=4, seed=3)
    np.testing.assert_array_equal(again[1][1], hr)
    np.testing.assert_array_equal(again[1][0], lr)
    data.on_epoch_end()   # epoch 1, batch 1 is global step 5
    np.testing.assert_array_equal(data[1][1], again.batch_at(5)[1])
    assert not np.array_equal(data[1][1], hr)
    expected = np.round(np.clip(np.asarray(imresize(hr, scale=0.5)), 0, 1) * 255) / 255
    np.testing.assert_allclose(lr, expected, atol=1e-6)


def test_empty_folder_and_too_small_for_any_patch_raise(tmp_path, hr_folder):
    with pytest.raises(ValueError, match="no image files"):
        datasets.TrainingPyDataset(tmp_path, scale=2, patch_size=4, batch_size=2,
                                   steps_per_epoch=1)
    with pytest.raises(ValueError, match="reaches 76x76.*patch_size"):
        datasets.TrainingPyDataset(hr_folder, scale=4, patch_size=19, batch_size=2,
                                   steps_per_epoch=1)


def test_images_smaller_than_a_patch_are_left_out_and_counted(hr_folder):
    # a.png is 60x72, b.png 48x48: a 60x60 HR patch fits in a only.
    with pytest.warns(UserWarning, match="left out 1 of 2 images .* smaller than one 60x60"):
        data = datasets.TrainingPyDataset(hr_folder, scale=4, patch_size=15, batch_size=2,
                                          steps_per_epoch=1)
    assert len(data.sampler.images) == 1 and data.sampler.images[0].shape == (60, 72, 3)


def test_tf_data_refuses_other_backends(hr_folder):
    if keras.backend.backend() == "tensorflow":
        pytest.skip("error path of non-TensorFlow backends")
    with pytest.raises(RuntimeError, match="TrainingPyDataset"):
        datasets.training_dataset(hr_folder, 2, 4, 2)


# --------------------------------------------------------------------------- fast path
def _symmetries(patch):
    """The 8 symmetries of a square patch, in the order of the pipelines' draw (0..7)."""
    return [apply_symmetry(patch, s) for s in range(8)]


def _aligned_crops(image, side, scale):
    """Every ``side x side`` crop of ``image`` whose offset is a multiple of ``scale``."""
    height, width = image.shape[:2]
    return {(top, left): image[top: top + side, left: left + side]
            for top in range(0, height - side + 1, scale)
            for left in range(0, width - side + 1, scale)}


def _source_images(folder):
    return [np.asarray(Image.open(path).convert("RGB")) for path in sorted(folder.iterdir())]


def test_hash_draws_are_uniform():
    h = patches.hash_draws(3, np.arange(16000))
    for column, n in ((0, 5), (3, 8)):
        counts = np.bincount(patches.below(h[:, column], n), minlength=n)
        assert counts.shape == (n,)
        # 16000 / n draws per value; 5 standard deviations of a binomial either side
        expected = 16000 / n
        assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected)), counts
    # the four draws of one element are not correlated (different values mostly)
    assert np.mean(h[:, 1] == h[:, 2]) < 1e-3


@pytest.mark.tf_only
def test_training_patches_are_symmetries_of_grid_aligned_crops(hr_folder):
    scale, patch, batch = 3, 6, 4
    data = datasets.hr_patch_dataset(hr_folder, scale, patch, batch, seed=11)
    assert data.element_spec.shape == (batch, 18, 18, 3)
    assert data.element_spec.dtype.name == "uint8"
    crops = [_aligned_crops(image, 18, scale) for image in _source_images(hr_folder)]
    seen_images, seen_symmetries = set(), set()
    for hr in data.take(40):
        for tile in np.asarray(hr):
            found = [(index, symmetry) for index, table in enumerate(crops)
                     for crop in table.values()
                     for symmetry, candidate in enumerate(_symmetries(crop))
                     if np.array_equal(candidate, tile)]
            assert found, "a patch is not a symmetry of a grid-aligned crop"
            seen_images.add(found[0][0])
            seen_symmetries.add(found[0][1])
    assert seen_images == {0, 1}
    assert seen_symmetries == set(range(8))


@pytest.mark.tf_only
def test_tf_data_and_pydataset_give_the_same_batches(hr_folder):
    for degradation, options in (("bicubic", {}),
                                 ("blur-downscale-noise", {"kernel_size": 5})):
        kwargs = dict(scale=2, patch_size=8, batch_size=3, degradation=degradation,
                      degradation_options=options, seed=4)
        tf_batches = _batches(datasets.training_dataset(hr_folder, **kwargs), 3)
        twin = datasets.TrainingPyDataset(hr_folder, steps_per_epoch=3, **kwargs)
        for step, (lr, hr) in enumerate(tf_batches):
            py_lr, py_hr = twin[step]
            np.testing.assert_array_equal(py_hr, hr)
            np.testing.assert_allclose(py_lr, lr, atol=1e-6)
            np.testing.assert_array_equal(twin.crops(step), np.round(hr * 255).astype(np.uint8))
    hr_only = datasets.hr_patch_dataset(hr_folder, scale=2, patch_size=8, batch_size=3,
                                        seed=4, start_step=1)
    np.testing.assert_array_equal(np.asarray(next(iter(hr_only))), twin.crops(1))


@pytest.mark.tf_only
def test_batch_degradation_equals_per_image_degradation(hr_folder):
    for channels in (3, 1):
        data = datasets.training_dataset(hr_folder, scale=4, patch_size=4, batch_size=6,
                                         channels=channels, seed=2,
                                         degradation_options={"quantize_bits": None})
        assert data.element_spec[0].shape == (6, 4, 4, channels)
        assert data.element_spec[1].shape == (6, 16, 16, channels)
        for lr, hr in _batches(data, 2):
            for lr_one, hr_one in zip(lr, hr):
                # the gather form of MATLAB imresize, one image at a time
                expected = np.clip(np.asarray(imresize(hr_one, scale=0.25)), 0, 1)
                np.testing.assert_allclose(lr_one, expected, atol=1e-5)
    quantized = datasets.training_dataset(hr_folder, scale=4, patch_size=4, batch_size=6,
                                          seed=2)
    (lr, hr), = _batches(quantized, 1)
    expected = np.stack([np.round(np.clip(np.asarray(imresize(one, scale=0.25)), 0, 1) * 255)
                         for one in hr]) / 255
    np.testing.assert_allclose(lr, expected, atol=1e-6)
    np.testing.assert_allclose(lr * 255, np.round(lr * 255), atol=1e-4)


def test_degrade_on_a_batch_equals_degrade_per_image(rng):
    hr = np.round(rng.random((5, 24, 24, 3)) * 255).astype("float32") / 255
    batch = np.asarray(degradations.degrade(hr, 4, quantize_bits=None))
    single = np.stack([np.asarray(degradations.degrade(one, 4, quantize_bits=None))
                       for one in hr])
    gather = np.clip(np.stack([np.asarray(imresize(one, scale=0.25)) for one in hr]), 0, 1)
    assert batch.shape == (5, 6, 6, 3)
    np.testing.assert_allclose(batch, single, atol=1e-5)
    np.testing.assert_allclose(batch, gather, atol=1e-5)
    y = np.asarray(rgb_to_y(hr))
    np.testing.assert_allclose(np.asarray(degradations.degrade(y, 4, quantize_bits=None)),
                               np.clip(np.asarray(imresize(y, scale=0.25)), 0, 1), atol=1e-5)


@pytest.mark.tf_only
def test_training_dataset_same_seed_same_stream_and_exact_resume(hr_folder):
    kwargs = dict(scale=3, patch_size=5, batch_size=4, seed=9)
    first = _assert_same_stream_and_exact_resume(hr_folder, kwargs, steps=4)
    # batches differ from one another
    assert not np.array_equal(first[0][1], first[1][1])


@pytest.mark.tf_only
def test_paired_dataset_augments_lr_and_hr_alike(tmp_path, rng):
    hr = (rng.random((24, 30, 3)) * 255).astype(np.uint8)
    lr = np.round(hr.reshape(12, 2, 15, 2, 3).astype(np.float64).mean(axis=(1, 3)))
    (tmp_path / "hr").mkdir()
    (tmp_path / "lr").mkdir()
    Image.fromarray(hr).save(tmp_path / "hr" / "x.png")
    Image.fromarray(lr.astype(np.uint8)).save(tmp_path / "lr" / "x.png")
    data = datasets.paired_dataset(tmp_path / "lr", tmp_path / "hr", scale=2, patch_size=5,
                                   batch_size=8, seed=3, augment=True)
    for lr_b, hr_b in _batches(data, 3):
        assert lr_b.shape == (8, 5, 5, 3) and hr_b.shape == (8, 10, 10, 3)
        # 2x2 block means commute with flips and rotations
        blocks = np.round(np.round(hr_b * 255).reshape(8, 5, 2, 5, 2, 3).mean(axis=(2, 4)))
        np.testing.assert_array_equal(np.round(lr_b * 255), blocks)


def test_pydataset_patches_are_symmetries_of_grid_aligned_crops(hr_folder):
    data = datasets.TrainingPyDataset(hr_folder, scale=3, patch_size=6, batch_size=8,
                                      steps_per_epoch=10, seed=11)
    crops = [_aligned_crops(image, 18, 3) for image in _source_images(hr_folder)]
    seen = set()
    for step in range(10):
        tiles = data.crops(step)
        assert tiles.shape == (8, 18, 18, 3) and tiles.dtype == np.uint8
        for tile in tiles:
            found = [symmetry for table in crops for crop in table.values()
                     for symmetry, candidate in enumerate(_symmetries(crop))
                     if np.array_equal(candidate, tile)]
            assert found
            seen.add(found[0])
    assert seen == set(range(8))
    plain = datasets.TrainingPyDataset(hr_folder, scale=3, patch_size=6, batch_size=8,
                                       steps_per_epoch=10, seed=11, augment=False)
    # without augmentation: the same crops, untransformed
    picks, tops, lefts, _ = plain.sampler.plan(np.arange(8))
    symmetries = data.sampler.plan(np.arange(8))[3]   # the same offsets, with symmetries
    np.testing.assert_array_equal(data.sampler.plan(np.arange(8))[0], picks)
    for row, tile in enumerate(plain.crops(0)):
        image = plain.sampler.images[picks[row]]
        np.testing.assert_array_equal(
            tile, image[3 * tops[row]: 3 * tops[row] + 18, 3 * lefts[row]: 3 * lefts[row] + 18])
        np.testing.assert_array_equal(data.crops(0)[row],
                                      apply_symmetry(tile, int(symmetries[row])))


def test_pydataset_jit_compile_matches_eager(hr_folder):
    if keras.backend.backend() != "jax":
        pytest.skip("jit_compile applies to the JAX backend")
    kwargs = dict(scale=2, patch_size=6, batch_size=3, steps_per_epoch=2, seed=3,
                  degradation="blur-downscale-noise", degradation_options={"kernel_size": 5})
    eager = datasets.TrainingPyDataset(hr_folder, **kwargs)
    jitted = datasets.TrainingPyDataset(hr_folder, jit_compile=True, **kwargs)
    for step in range(2):
        (a_lr, a_hr), (b_lr, b_hr) = eager[step], jitted[step]
        np.testing.assert_array_equal(a_hr, b_hr)
        np.testing.assert_allclose(a_lr, b_lr, atol=1e-6)
        assert a_lr.shape == (3, 6, 6, 3)
