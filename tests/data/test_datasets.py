"""Training / validation pipelines: shapes, determinism, exact resume, clear errors."""

import keras
import numpy as np
import pytest
from PIL import Image

from keras_sr.data import datasets
from keras_sr.data.resize import imresize
from keras_sr.metrics.color import rgb_to_y


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


@pytest.mark.tf_only
def test_training_dataset_deterministic_and_resumable(hr_folder):
    kwargs = dict(scale=2, patch_size=8, batch_size=2, channels=1,
                  degradation="blur-downscale-noise",
                  degradation_options={"kernel_size": 5}, seed=5)
    first = _batches(datasets.training_dataset(hr_folder, **kwargs), 3)
    again = _batches(datasets.training_dataset(hr_folder, **kwargs), 3)
    resumed = _batches(datasets.training_dataset(hr_folder, start_step=2, **kwargs), 1)
    other = _batches(datasets.training_dataset(hr_folder, **dict(kwargs, seed=6)), 1)
    for (a_lr, a_hr), (b_lr, b_hr) in zip(first, again):
        np.testing.assert_array_equal(a_lr, b_lr)
        np.testing.assert_array_equal(a_hr, b_hr)
    np.testing.assert_array_equal(first[2][0], resumed[0][0])
    np.testing.assert_array_equal(first[2][1], resumed[0][1])
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


def test_empty_folder_and_small_images_raise(tmp_path, hr_folder):
    with pytest.raises(ValueError, match="no image files"):
        datasets.image_paths(tmp_path)
    with pytest.raises(ValueError, match=r"b.png is 48x48.*60x60"):
        datasets.image_paths(hr_folder, (60, 60))
    with pytest.raises(ValueError, match="patch_size"):
        datasets.TrainingPyDataset(hr_folder, scale=4, patch_size=15, batch_size=2,
                                   steps_per_epoch=1)


def test_tf_data_refuses_other_backends(hr_folder):
    if keras.backend.backend() == "tensorflow":
        pytest.skip("error path of non-TensorFlow backends")
    with pytest.raises(RuntimeError, match="TrainingPyDataset"):
        datasets.training_dataset(hr_folder, 2, 4, 2)
