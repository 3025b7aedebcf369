"""The published checkpoints in ../shared/third_party_weights: read, mapped, and equal to an
independent numpy forward of the torch model within 1e-4 on inputs in [0, 1]."""

import keras
import numpy as np
import pytest
import reference

from keras_sr.convert import find_state_dict, import_checkpoint, read_torch_file
from keras_sr.image import imresize

VDSR = "vdsr_twtygqyy_epoch50.pth"
LAPSRN = "lapsrn_x4_twtygqyy_epoch100.pth"
VDSR_RGB = "vdsr_rgb_nhatthanh.pt"


def _torch_weights(path):
    state = find_state_dict(read_torch_file(path)[0])
    return {name: value.astype("float64") for name, value in state.tensors.items()}


def _nchw(x):
    return np.asarray(x, dtype="float64").transpose(0, 3, 1, 2)


def test_layouts_are_read(third_party):
    obj, layout = read_torch_file(third_party / VDSR)
    assert layout == "legacy" and obj["epoch"] == 50
    assert obj["model"].torch_class == "vdsr.Net"
    obj, layout = read_torch_file(third_party / VDSR_RGB)
    assert layout == "zip" and len(obj) == 40


def test_vdsr_needs_a_scale(third_party):
    with pytest.raises(ValueError, match="a vdsr checkpoint serves any scale; pass `scale`"):
        import_checkpoint(third_party / VDSR)


@pytest.mark.parametrize("scale", [2, 3])
def test_vdsr_equals_the_torch_forward(third_party, rng, scale):
    result = import_checkpoint(third_party / VDSR, scale=scale)
    assert (result.family, result.scale, result.layout) == ("vdsr", scale, "legacy")
    assert result.options == {"channels": 1, "filters": 64, "depth": 20, "use_bias": False}
    assert result.notes[0].startswith("detected vdsr")
    lr = rng.random((1, 10, 12, 1)).astype("float32")
    upscaled = keras.ops.convert_to_numpy(imresize(lr, scale=scale))  # MATLAB bicubic
    expected = reference.vdsr_twtygqyy(_torch_weights(third_party / VDSR), _nchw(upscaled))
    got = keras.ops.convert_to_numpy(result.model(lr))
    assert got.shape == (1, 10 * scale, 12 * scale, 1)
    np.testing.assert_allclose(_nchw(got), expected, atol=1e-4)


def test_lapsrn_equals_the_torch_forward_and_saves_for_safe_mode(third_party, rng, tmp_path):
    result = import_checkpoint(third_party / LAPSRN, model="lapsrn", scale=4,
                               out=tmp_path / "lapsrn_x4.keras")
    assert result.options == {"channels": 1, "filters": 64, "depth": 10, "use_bias": False,
                              "negative_slope": 0.2}
    lr = rng.random((1, 9, 11, 1)).astype("float32")
    expected = reference.lapsrn_twtygqyy(_torch_weights(third_party / LAPSRN), _nchw(lr))[-1]
    got = keras.ops.convert_to_numpy(result.model(lr))
    np.testing.assert_allclose(_nchw(got), expected, atol=1e-4)
    loaded = keras.saving.load_model(tmp_path / "lapsrn_x4.keras", safe_mode=True)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded(lr)), got)


def test_lapsrn_scale_must_match(third_party):
    with pytest.raises(ValueError, match="is a lapsrn x4; `scale` 2 does not match"):
        import_checkpoint(third_party / LAPSRN, scale=2)


def test_rgb_vdsr_with_biases_from_a_zip_state_dict(third_party, rng):
    result = import_checkpoint(third_party / VDSR_RGB, model="vdsr", scale=2)
    assert result.layout == "zip"
    assert result.options == {"channels": 3, "filters": 64, "depth": 20, "use_bias": True}
    assert result.model.count_params() == 668227  # the repository's count
    lr = rng.random((1, 8, 10, 3)).astype("float32")
    upscaled = keras.ops.convert_to_numpy(imresize(lr, scale=2))
    expected = reference.vdsr_nhatthanh(_torch_weights(third_party / VDSR_RGB),
                                        _nchw(upscaled))
    # that repository clips its output to [0, 1]; keras_sr's VDSR leaves clipping to the
    # caller (evaluation and upscaling clip)
    got = np.clip(keras.ops.convert_to_numpy(result.model(lr)), 0.0, 1.0)
    np.testing.assert_allclose(_nchw(got), expected, atol=1e-4)


def test_wrong_family_names_the_tensors(third_party):
    with pytest.raises(ValueError) as err:
        import_checkpoint(third_party / LAPSRN, model="vdsr", scale=4)
    assert "convt_I1.weight (1, 1, 4, 4) (4x4 transposed conv 1 -> 1): vdsr has only 3x3 convs" \
        in str(err.value)
