"""Paired augmentations: crops align LR and HR, flips/rotations are the dihedral group."""

import keras
import numpy as np
import pytest

from keras_sr.data import augment as A
from keras_sr.image.resize import imresize


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def _pair(rng, scale=2, size=8):
    hr = rng.random((size * scale, size * scale, 3)).astype("float32")
    lr = _np(imresize(hr, scale=1 / scale))
    return lr, hr


def test_random_crop_keeps_lr_and_hr_aligned(rng):
    lr, hr = _pair(rng, scale=2, size=12)
    lr_patch, hr_patch = A.random_crop(lr, hr, patch_size=5, scale=2, seed=3)
    lr_patch, hr_patch = _np(lr_patch), _np(hr_patch)
    assert lr_patch.shape == (5, 5, 3) and hr_patch.shape == (10, 10, 3)
    # Find the crop offset in LR and check the HR patch is the same region x2.
    for top in range(8):
        for left in range(8):
            if np.array_equal(lr[top: top + 5, left: left + 5], lr_patch):
                np.testing.assert_array_equal(
                    hr[2 * top: 2 * top + 10, 2 * left: 2 * left + 10], hr_patch)
                return
    pytest.fail("LR patch not found in the LR image")


def test_random_crop_seeded_and_hr_only(rng):
    _, hr = _pair(rng, scale=3, size=10)
    a = _np(A.random_crop(None, hr, 4, 3, seed=1)[1])
    b = _np(A.random_crop(None, hr, 4, 3, seed=1)[1])
    np.testing.assert_array_equal(a, b)
    offsets = {tuple(np.argwhere(hr[..., 0] == _np(A.random_crop(None, hr, 4, 3, seed=s)[1])[0, 0, 0])[0])
               for s in range(12)}
    assert all(r % 3 == 0 and c % 3 == 0 for r, c in offsets)   # on the LR grid
    assert len(offsets) > 1


def test_random_crop_too_small_raises(rng):
    _, hr = _pair(rng, scale=2, size=4)
    with pytest.raises(ValueError, match="smaller than the patch"):
        A.random_crop(None, hr, 5, 2, seed=0)


def _dihedral(x):
    out = []
    for k in range(4):
        r = np.rot90(x, k, axes=(0, 1))
        out += [r, r[:, ::-1]]
    return out


def test_flip_rotate_covers_the_eight_symmetries_and_pairs_agree(rng):
    lr, hr = _pair(rng, scale=2, size=4)
    seen = set()
    for seed in range(40):
        lr_t, hr_t = (_np(v) for v in A.random_flip_rotate(lr, hr, seed=seed))
        hr_index = [i for i, d in enumerate(_dihedral(hr)) if np.array_equal(d, hr_t)]
        lr_index = [i for i, d in enumerate(_dihedral(lr)) if np.array_equal(d, lr_t)]
        assert hr_index and hr_index == lr_index
        seen.add(hr_index[0])
    assert seen == set(range(8))


def test_rotate90_batch_draws_per_image(rng):
    hr = np.repeat(rng.random((1, 6, 6, 1)).astype("float32"), 16, axis=0)
    _, out = A.random_rotate90(None, hr, seed=7)
    out = _np(out)
    distinct = {out[i].tobytes() for i in range(16)}
    assert 2 <= len(distinct) <= 4
    for image in out:
        assert any(np.array_equal(image, np.rot90(hr[0], k)) for k in range(4))


def test_rotate90_rejects_non_square(rng):
    with pytest.raises(ValueError, match="square"):
        A.random_rotate90(None, rng.random((4, 6, 3)).astype("float32"), seed=0)
