"""Up- and down-projection units of Deep Back-Projection Networks (DBPN), plain and dense.

Haris, Shakhnarovich and Ukita, "Deep Back-Projection Networks For Super-Resolution",
CVPR 2018. Each unit maps features between the LR and the HR grid, measures the
back-projection error and corrects with it. Built from standard layers only.
"""

import keras

layers = keras.layers

# scale -> (kernel size, stride); with "same" padding these pad 2 pixels per side, as in
# the paper (x2: 6/2, x4: 8/4, x8: 12/8). x3 (7/3) is not in the paper; it keeps the
# same 2-pixel padding.
PROJECTION_KERNELS = {2: (6, 2), 3: (7, 3), 4: (8, 4), 8: (12, 8)}


def projection_kernel(scale):
    """``(kernel_size, stride)`` of the projection convs for ``scale``."""
    if scale not in PROJECTION_KERNELS:
        raise ValueError(f"DBPN projection: `scale` must be one of "
                         f"{sorted(PROJECTION_KERNELS)}; got {scale!r}")
    return PROJECTION_KERNELS[scale]


def _prelu(name):
    # DBPN uses one PReLU slope per layer (torch.nn.PReLU() default).
    return layers.PReLU(shared_axes=[1, 2, 3], name=name)


def _up(filters, scale, name):
    kernel, stride = projection_kernel(scale)
    return layers.Conv2DTranspose(filters, kernel, strides=stride, padding="same", name=name)


def _down(filters, scale, name):
    kernel, stride = projection_kernel(scale)
    return layers.Conv2D(filters, kernel, strides=stride, padding="same", name=name)


def up_projection(x, filters, scale, name="up"):
    """Up-projection unit: LR features ``(H, W)`` -> HR features ``(H*s, W*s)``.

    ``H0 = up(L)``, ``L0 = down(H0)``, ``H1 = up(L0 - L)``, output ``H0 + H1``; every
    (transposed) conv is followed by a PReLU.

    Args:
        x: tensor ``(batch, H, W, filters)``.
        filters: int.
        scale: int in ``PROJECTION_KERNELS``.
        name: str prefix of the layer names.

    Returns:
        Tensor ``(batch, H*scale, W*scale, filters)``.
    """
    h0 = _prelu(f"{name}_h0_act")(_up(filters, scale, f"{name}_h0")(x))
    l0 = _prelu(f"{name}_l0_act")(_down(filters, scale, f"{name}_l0")(h0))
    error = layers.Subtract(name=f"{name}_error")([l0, x])
    h1 = _prelu(f"{name}_h1_act")(_up(filters, scale, f"{name}_h1")(error))
    return layers.Add(name=f"{name}_out")([h0, h1])


def down_projection(x, filters, scale, name="down"):
    """Down-projection unit: HR features ``(H*s, W*s)`` -> LR features ``(H, W)``.

    ``L0 = down(H)``, ``H0 = up(L0)``, ``L1 = down(H0 - H)``, output ``L0 + L1``.

    Args:
        x: tensor ``(batch, H*s, W*s, filters)``, height and width multiples of ``s``.
        filters: int.
        scale: int in ``PROJECTION_KERNELS``.
        name: str prefix of the layer names.

    Returns:
        Tensor ``(batch, H, W, filters)``.
    """
    l0 = _prelu(f"{name}_l0_act")(_down(filters, scale, f"{name}_l0")(x))
    h0 = _prelu(f"{name}_h0_act")(_up(filters, scale, f"{name}_h0")(l0))
    error = layers.Subtract(name=f"{name}_error")([h0, x])
    l1 = _prelu(f"{name}_l1_act")(_down(filters, scale, f"{name}_l1")(error))
    return layers.Add(name=f"{name}_out")([l0, l1])


def _fuse(features, filters, name):
    """Concatenate earlier unit outputs and reduce them to ``filters`` with a 1x1 conv."""
    if len(features) == 1:
        return features[0]
    x = layers.Concatenate(name=f"{name}_concat")(list(features))
    x = layers.Conv2D(filters, 1, name=f"{name}_reduce")(x)
    return _prelu(f"{name}_reduce_act")(x)


def dense_up_projection(features, filters, scale, name="up"):
    """D-DBPN up-projection: fuse all earlier LR outputs (concat + 1x1 conv), then project.

    Args:
        features: list of tensors ``(batch, H, W, filters)`` (one tensor: no fusion).
        filters: int.
        scale: int in ``PROJECTION_KERNELS``.
        name: str prefix of the layer names.

    Returns:
        Tensor ``(batch, H*scale, W*scale, filters)``.
    """
    return up_projection(_fuse(features, filters, name), filters, scale, name)


def dense_down_projection(features, filters, scale, name="down"):
    """D-DBPN down-projection: fuse all earlier HR outputs, then project down.

    Args:
        features: list of tensors ``(batch, H*s, W*s, filters)``.
        filters: int.
        scale: int in ``PROJECTION_KERNELS``.
        name: str prefix of the layer names.

    Returns:
        Tensor ``(batch, H, W, filters)``.
    """
    return down_projection(_fuse(features, filters, name), filters, scale, name)
