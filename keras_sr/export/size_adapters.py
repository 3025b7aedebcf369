"""Leave a model's input pad and output crop out of a dynamic-size ``.tflite`` file.

Models that need ``H`` and ``W`` to be multiples of some ``m`` (``plainsr_wide``'s 2x2
unshuffle) pad their input (``PadToMultiple``) and crop their output back
(``CropToMatch``). With a dynamic input size those two layers become shape arithmetic
and ``GATHER`` / ``STRIDED_SLICE`` ops on computed shapes, and XNNPACK then leaves the
convolutions to the slower reference kernels: plainsr_wide x3 int8 took 56-73 ms on a
360x640 input against 31-35 ms for the same graph without them (2 threads, this
machine). So the converted graph takes sizes that are multiples of ``m`` and the pad and
crop are done around it by the runner (:class:`keras_sr.runtime.TFLiteModel`, from the
sidecar's ``size_multiple``), with the same padding mode: the outputs are the Keras
model's. A fixed-size export keeps them (static shapes: they vanish when the size is
already a multiple).
"""

from keras_sr.layers.padding import CropToMatch, PadToMultiple
from keras_sr.quantization.graph import functional_graph, rebuild_model


def size_adapters(model):
    """The ``(PadToMultiple, CropToMatch)`` pair a runner can do instead, or None.

    Both must act on the model's only input, and nothing else may read it: the pad
    reads it, the crop uses it as its reference and returns the model's output, so the
    graph between them sees exactly the padded image.

    Args:
        model: a functional ``keras.Model``.

    Returns:
        ``(pad_layer, crop_layer)`` or None.
    """
    return _pair(functional_graph(model, "size_adapters"))


def _pair(graph):
    """:func:`size_adapters` on an already walked :class:`FunctionalGraph`."""
    if len(graph.inputs) != 1 or len(graph.outputs) != 1:
        return None
    readers = graph.consumers.get(graph.inputs[0], [])
    pads = [n for n in readers if isinstance(n.operation, PadToMultiple)]
    crops = [n for n in readers if isinstance(n.operation, CropToMatch)]
    if len(readers) != 2 or len(pads) != 1 or len(crops) != 1:
        return None
    crop = crops[0]
    if crop.input_tensors[-1] != graph.inputs[0] or graph.outputs[0] not in crop.outputs:
        return None
    return pads[0].operation, crop.operation


def strip_size_adapters(model):
    """``(model without its input pad and output crop, {"multiple", "pad_mode"})``.

    ``model`` comes back unchanged with None when it has no such pair
    (:func:`size_adapters`). The other layers are the same objects (shared weights).

    Example:
        >>> from keras_sr import models
        >>> model = models.get("plainsr_wide", scale=3, filters=8, num_blocks=1)
        >>> stripped, adapters = strip_size_adapters(model)
        >>> adapters, "pad" in [layer.name for layer in stripped.layers]
        ({'multiple': 2, 'pad_mode': 'symmetric'}, False)
    """
    graph = functional_graph(model, "strip_size_adapters")
    pair = _pair(graph)
    if pair is None:
        return model, None
    pad, crop = pair

    def call_node(node, args, kwargs):
        if node.operation is pad:
            return args[0]
        if node.operation is crop:
            return args[0][0]  # called on [x, reference]: keep x
        return node.operation(*args, **kwargs)

    stripped = rebuild_model(model, graph, call_node)
    return stripped, {"multiple": int(pad.multiple), "pad_mode": pad.mode}
