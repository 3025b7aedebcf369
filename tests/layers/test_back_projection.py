"""DBPN projection units and the LapSRN stage."""

import keras
import numpy as np
import pytest

from keras_sr.layers import (BilinearUpsampling, dense_down_projection, dense_up_projection,
                             down_projection, laplacian_pyramid_stage, projection_kernel,
                             up_projection)


@pytest.mark.parametrize("scale", [2, 3, 4, 8])
def test_units_change_the_grid_by_scale(scale):
    inp = keras.Input((None, None, 4))
    high = up_projection(inp, 4, scale)
    low = down_projection(high, 4, scale)
    model = keras.Model(inp, [high, low])
    kernel, stride = projection_kernel(scale)
    assert stride == scale and kernel - stride == 4  # 2 pixels of padding per side
    high_v, low_v = model(np.zeros((1, 3, 5, 4), "float32"))
    assert tuple(high_v.shape) == (1, 3 * scale, 5 * scale, 4)
    assert tuple(low_v.shape) == (1, 3, 5, 4)


def test_unit_parameters_and_dense_fusion():
    inp = keras.Input((None, None, 8))
    up = keras.Model(inp, up_projection(inp, 8, 4))
    assert up.count_params() == 3 * (8 * 8 * 8 * 8 + 8 + 1)
    a, b = keras.Input((None, None, 8)), keras.Input((None, None, 8))
    dense = keras.Model([a, b], dense_up_projection([a, b], 8, 2, name="u"))
    assert dense.get_layer("u_reduce").kernel.shape == (1, 1, 16, 8)
    h = keras.Input((None, None, 8))
    down = keras.Model(h, dense_down_projection([h], 8, 2, name="d"))
    assert "d_reduce" not in {layer.name for layer in down.layers}
    with pytest.raises(ValueError, match="scale"):
        projection_kernel(5)


def test_bilinear_kernel_and_stage():
    kernel = keras.ops.convert_to_numpy(BilinearUpsampling()((4, 4, 2, 2)))
    taps = np.array([0.25, 0.75, 0.75, 0.25])
    np.testing.assert_allclose(kernel[:, :, 0, 0], np.outer(taps, taps))
    assert np.all(kernel[:, :, 0, 1] == 0)
    feats, image = keras.Input((None, None, 8)), keras.Input((None, None, 3))
    f_up, i_up = laplacian_pyramid_stage(feats, image, 3, filters=8, depth=2, name="lvl")
    model = keras.Model([feats, image], [f_up, i_up])
    out_f, out_i = model([np.zeros((1, 4, 5, 8), "float32"), np.zeros((1, 4, 5, 3), "float32")])
    assert tuple(out_f.shape) == (1, 8, 10, 8) and tuple(out_i.shape) == (1, 8, 10, 3)
