"""``RepConv3x3``: a 3x3 conv trained as a sum of parallel linear branches.

Every branch is linear and has no bias of its own before a later conv, so the sum of
the branches is one 3x3 convolution whose kernel is the sum of the branch kernels
(structural re-parameterization: Ding et al., "RepVGG", CVPR 2021; the branch set
follows Zhang et al., "Edge-oriented Convolution Block for Real-time Super
Resolution on Mobile Devices" (ECBSR), ACM MM 2021; merging the kernels at every
training step rather than running each branch follows Hu et al., "Online
Convolutional Re-parameterization" (OREPA), CVPR 2022). Branches, for an input of
``C_in`` and an output of ``C_out`` channels:

- ``conv3x3``: a plain ``(3, 3, C_in, C_out)`` kernel;
- ``conv1x1``: a ``(C_in, C_out)`` kernel, placed at the centre tap;
- ``expand``: ``1x1`` to ``expand * C_out`` channels then ``3x3`` back to ``C_out``
  (no bias in between, so zero padding keeps it exact at the borders): kernel
  ``sum_e A[i, e] * B[:, :, e, o]``;
- ``edges``: three fixed filters (Sobel x, Sobel y, Laplacian) with a learned scale
  per input/output channel pair: kernel ``sum_m M_m[:, :] * S_m[i, o]``;
- ``identity`` (only when ``C_in == C_out``): the centre tap of channel ``i`` to ``i``;

plus one bias of ``C_out``. The layer computes the merged kernel from its branch weights
and runs ONE convolution, so training costs the same as the plain conv it folds into
(and the gradients are those of the branch sum, by linearity).
:func:`keras_sr.models.reparameterize` replaces it by a ``keras.layers.Conv2D``.
"""

import keras
import numpy as np
from keras import ops

SOBEL_X = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]], "float32")
SOBEL_Y = SOBEL_X.T.copy()
LAPLACIAN = np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]], "float32")
EDGE_FILTERS = np.stack([SOBEL_X, SOBEL_Y, LAPLACIAN])  # (3, 3, 3): filter, row, column


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"RepConv3x3: `{name}` must be an int >= {minimum}; got {value!r}")
    return value


@keras.saving.register_keras_serializable(package="keras_sr")
class RepConv3x3(keras.layers.Layer):
    """A re-parameterizable 3x3 conv ("same" padding, stride 1): branches summed.

    Args:
        filters: int, output channels ``C_out``.
        expand: int >= 0, width multiplier of the 1x1 -> 3x3 branch (0: no such branch).
        edges: bool, add the Sobel x / Sobel y / Laplacian branch.
        identity: bool, add the identity branch; needs ``C_in == filters`` (checked when
            the layer is built).
        activation: activation applied after the sum: ``"relu"``, ``"relu6"`` or
            ``"linear"`` (all three fuse into an int8 ``CONV_2D`` in TFLite).
        kernel_initializer: initializer of the 3x3, 1x1 and expand kernels.
        edge_initializer: initializer of the edge scales (small: the edge branches start
            near zero).

    Input ``(batch, H, W, C_in)``, output ``(batch, H, W, filters)``, any float range.

    Example:
        >>> layer = RepConv3x3(4, identity=True, activation="relu")
        >>> y = layer(keras.ops.ones((1, 5, 6, 4)))
        >>> tuple(y.shape), tuple(layer.merged_kernel().shape)
        ((1, 5, 6, 4), (3, 3, 4, 4))
        >>> layer.conv_equivalent()
        {'filters': 4, 'kernel_size': (3, 3), 'activation': 'relu'}
    """

    ACTIVATIONS = ("relu", "relu6", "linear")

    def __init__(self, filters, expand=2, edges=True, identity=False, activation="linear",
                 kernel_initializer="glorot_uniform", edge_initializer=None, **kwargs):
        super().__init__(**kwargs)
        self.filters = _check_int("filters", filters, 1)
        self.expand = _check_int("expand", expand, 0)
        self.edges = bool(edges)
        self.identity = bool(identity)
        if activation not in self.ACTIVATIONS:
            raise ValueError(f"RepConv3x3: `activation` must be one of {self.ACTIVATIONS} "
                             f"(int8-fusable in TFLite); got {activation!r}")
        self.activation = activation
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.edge_initializer = keras.initializers.get(
            edge_initializer or keras.initializers.RandomNormal(stddev=1e-3))
        # kernel_size and filters let keras_sr.models.complexity count the folded conv
        self.kernel_size = (3, 3)

    def build(self, input_shape):
        c_in = input_shape[-1]
        if c_in is None:
            raise ValueError("RepConv3x3 needs a known number of input channels")
        if self.identity and c_in != self.filters:
            raise ValueError(f"RepConv3x3(filters={self.filters}, identity=True) needs "
                             f"{self.filters} input channels; got {c_in}")
        c_out = self.filters
        init = self.kernel_initializer
        self.conv3x3 = self.add_weight(name="conv3x3", shape=(3, 3, c_in, c_out),
                                       initializer=init)
        self.conv1x1 = self.add_weight(name="conv1x1", shape=(c_in, c_out), initializer=init)
        if self.expand:
            width = self.expand * c_out
            self.expand1x1 = self.add_weight(name="expand1x1", shape=(c_in, width),
                                             initializer=init)
            self.squeeze3x3 = self.add_weight(name="squeeze3x3", shape=(3, 3, width, c_out),
                                              initializer=init)
        if self.edges:
            self.edge_scales = self.add_weight(name="edge_scales",
                                               shape=(len(EDGE_FILTERS), c_in, c_out),
                                               initializer=self.edge_initializer)
        self.bias = self.add_weight(name="bias", shape=(c_out,), initializer="zeros")
        self._c_in = c_in

    def merged_kernel(self):
        """The ``(3, 3, C_in, filters)`` kernel of the single conv equal to the branch sum.

        Computed in the dtype the weights are read in (float32; the compute dtype inside
        ``call`` under a mixed precision policy, where Keras autocasts them).
        """
        kernel = ops.convert_to_tensor(self.conv3x3)
        dtype = kernel.dtype

        def constant(array):
            return ops.cast(ops.convert_to_tensor(array), dtype)

        centre = np.zeros((3, 3, 1, 1), "float32")
        centre[1, 1] = 1.0
        kernel = kernel + constant(centre) * ops.convert_to_tensor(self.conv1x1)[None, None]
        if self.expand:
            kernel = kernel + ops.einsum("ie,hweo->hwio", self.expand1x1, self.squeeze3x3)
        if self.edges:
            kernel = kernel + ops.einsum("mhw,mio->hwio", constant(EDGE_FILTERS),
                                         self.edge_scales)
        if self.identity:
            eye = np.zeros((3, 3, self._c_in, self.filters), "float32")
            eye[1, 1] = np.eye(self._c_in, self.filters, dtype="float32")
            kernel = kernel + constant(eye)
        return kernel

    def merged_weights(self):
        """``[kernel, bias]`` as numpy arrays, ready for ``Conv2D.set_weights``."""
        return [ops.convert_to_numpy(self.merged_kernel()), ops.convert_to_numpy(self.bias)]

    def conv_equivalent(self):
        """The ``Conv2D`` this layer folds into: filters, kernel size and activation."""
        return {"filters": self.filters, "kernel_size": (3, 3), "activation": self.activation}

    def call(self, inputs):
        kernel = ops.cast(self.merged_kernel(), inputs.dtype)
        y = ops.conv(inputs, kernel, strides=1, padding="same", data_format="channels_last")
        y = y + ops.cast(self.bias, inputs.dtype)
        if self.activation == "relu":
            y = ops.relu(y)
        elif self.activation == "relu6":
            y = ops.relu6(y)
        return y

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.filters)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters, "expand": self.expand, "edges": self.edges,
            "identity": self.identity, "activation": self.activation,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "edge_initializer": keras.initializers.serialize(self.edge_initializer),
        })
        return config
