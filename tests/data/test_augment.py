"""The augmentation module: symmetry codes against numpy, the augment options, rescaling."""

import numpy as np
import pytest

from keras_sr.data import augment as A
from keras_sr.image.resize import imresize_numpy


@pytest.fixture
def image(rng):
    return rng.integers(0, 256, (5, 5, 2), dtype=np.uint8)


def test_codes_are_the_numpy_symmetries(image):
    expected = {0: image, 1: image[::-1], 2: image[:, ::-1], 3: np.rot90(image, 2),
                5: np.rot90(image, 1), 6: np.rot90(image, 3), 4: image.transpose(1, 0, 2),
                7: np.rot90(image, 1)[:, ::-1][::-1][:, ::-1].transpose(1, 0, 2)[::-1]}
    for code in range(7):
        np.testing.assert_array_equal(A.apply_symmetry(image, code), expected[code])
    # the 8 codes give 8 different images (all symmetries of the square)
    outs = {A.apply_symmetry(image, code).tobytes() for code in range(8)}
    assert len(outs) == 8


def test_augment_options():
    assert A.symmetry_codes(True) == tuple(range(8))
    assert A.symmetry_codes(False) == A.symmetry_codes(None) == (0,)
    assert A.symmetry_codes("flip") == (0, 2)
    rotations = {A.apply_symmetry(np.arange(4).reshape(2, 2, 1), c)[..., 0].tobytes()
                 for c in A.symmetry_codes("rotate")}
    assert rotations == {np.rot90(np.arange(4).reshape(2, 2), k).tobytes() for k in range(4)}
    with pytest.raises(ValueError, match="augment"):
        A.symmetry_codes("mirror")


def test_rescale_is_matlab_bicubic_rounded(rng):
    image = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    out = A.rescale(image, 0.6)
    assert out.shape == (12, 18, 3) and out.dtype == np.uint8
    want = imresize_numpy(image / 255.0, scale=0.6)
    np.testing.assert_array_equal(out, np.clip(np.round(want * 255), 0, 255).astype(np.uint8))
    assert A.rescale(image, 1.0) is image
    assert A.check_scale_augment(None) == (1.0,)
    with pytest.raises(ValueError, match="scale_augment"):
        A.check_scale_augment((1.0, 1.5))
