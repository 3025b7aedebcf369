"""``functional_graph``: the steps of a functional Keras model and who consumes what.

Shared by the model rewrites (``quantize_model``, the channel equalizations, the range
search and the sub-pixel export rewrite), which all walk a functional graph in
topological order. Built from public structure only: the functional config
(``keras.Model(model.inputs, model.outputs).get_config()``: every layer with the
``keras_history`` of the tensors it was called on) and ``model.operations``. A tensor
is named by its key ``(layer name, node index, tensor index)``, as in that config.
"""

import keras

_TENSOR = "__keras_tensor__"


class GraphNode:
    """One call of a layer in a functional model.

    Attributes:
        operation: the layer (an ``InputLayer`` for a model input).
        is_input: True for a model input.
        input_tensors: list of the keys of the tensors it reads, in call order.
        outputs: list of the keys of the tensors it returns.
    """

    def __init__(self, operation, node_index, call, is_input=False):
        self.operation = operation
        self.is_input = is_input
        self._call = call  # {"args": [...], "kwargs": {...}} as in the functional config
        self.input_tensors = []
        _walk(call, lambda key: self.input_tensors.append(key))
        self.outputs = [(operation.name, node_index, 0)]

    def fill_in(self, tensors):
        """``(args, kwargs)`` of this call with every input key replaced by
        ``tensors[key]`` (e.g. the matching tensors of a model being rebuilt)."""
        if self.is_input:
            return [], {}
        call = _replace(self._call, tensors)
        return list(call.get("args", [])), dict(call.get("kwargs", {}))

    def bind(self, tensors, new_outputs):
        """Record in ``tensors`` (key -> tensor) what a rebuilt call of this node returned."""
        flat = keras.tree.flatten(new_outputs)
        for key in self.outputs:
            tensors[key] = flat[key[2]]


def _history(item):
    """The ``(layer, node, tensor)`` key of a serialized tensor, else None."""
    if isinstance(item, dict) and item.get("class_name") == _TENSOR:
        layer, node, index = item["config"]["keras_history"]
        return (layer, int(node), int(index))
    return None


def _walk(item, visit):
    key = _history(item)
    if key is not None:
        visit(key)
    elif isinstance(item, dict):
        for value in item.values():
            _walk(value, visit)
    elif isinstance(item, (list, tuple)):
        for value in item:
            _walk(value, visit)


def _replace(item, tensors):
    key = _history(item)
    if key is not None:
        return tensors[key]
    if isinstance(item, dict) and "class_name" in item and "config" in item:
        return keras.saving.deserialize_keras_object(item)
    if isinstance(item, dict):
        return {name: _replace(value, tensors) for name, value in item.items()}
    if isinstance(item, (list, tuple)):
        return [_replace(value, tensors) for value in item]
    return item


class FunctionalGraph:
    """The steps of a functional model in topological order (see :func:`functional_graph`).

    Attributes:
        nodes: list of :class:`GraphNode`, inputs first.
        consumers: ``{key: [nodes reading that tensor]}`` (a node appears once per input
            slot it fills).
        producer: ``{key: node returning that tensor}``.
        inputs: keys of the model's inputs, in ``model.inputs`` order.
        outputs: keys of the model's outputs, in ``model.outputs`` order.
    """

    def __init__(self, nodes, inputs, outputs):
        self.nodes = nodes
        self.inputs = inputs
        self.outputs = outputs
        self.consumers = {}
        self.producer = {}
        by_call = {}
        for node in nodes:
            by_call[node.outputs[0][:2]] = node
            for key in node.input_tensors:
                self.consumers.setdefault(key, []).append(node)
        for key in list(self.consumers) + list(outputs):
            source = by_call.get(key[:2])
            if source is not None and key not in source.outputs:
                source.outputs = sorted(source.outputs + [key])  # multi-output layers
        for node in nodes:
            for key in node.outputs:
                self.producer[key] = node

    def node_of(self, layer):
        """The (single) node calling ``layer`` in this model."""
        found = [node for node in self.nodes if node.operation is layer]
        if len(found) != 1:
            raise ValueError(f"layer {layer.name!r} is called {len(found)} times in the "
                             "model; expected once")
        return found[0]


def functional_graph(model, caller):
    """The nodes of ``model`` in topological order with their consumers and producers.

    Args:
        model: a functional ``keras.Model`` (any subclass built from inputs and outputs).
        caller: str, the name of the calling function (for the error message).

    Returns:
        :class:`FunctionalGraph`.

    Raises:
        ValueError: ``model`` is not a functional ``keras.Model``.

    Example:
        >>> import keras
        >>> x = keras.Input((None, None, 1), name="lr")
        >>> y = keras.layers.Conv2D(2, 3, padding="same", name="conv")(x)
        >>> graph = functional_graph(keras.Model(x, y), "example")
        >>> [node.operation.name for node in graph.nodes]
        ['lr', 'conv']
        >>> graph.consumers[("lr", 0, 0)][0].operation.name
        'conv'
    """
    if not isinstance(model, keras.Model):
        raise ValueError(f"{caller} expects a functional keras.Model; got {type(model)!r}")
    try:
        plain = keras.Model(model.inputs, model.outputs)
    except (AttributeError, ValueError, TypeError) as error:
        raise ValueError(f"{caller} expects a functional keras.Model (built from inputs "
                         f"and outputs); {model.name!r} is not: {error}") from None
    config = plain.get_config()
    operations = {operation.name: operation for operation in plain.operations}
    nodes = []
    for entry in config["layers"]:
        operation = operations[entry["name"]]
        if isinstance(operation, keras.Model):
            raise ValueError(f"{caller}: nested model {operation.name!r} is not supported; "
                             "build the model from its layers")
        calls = entry.get("inbound_nodes") or []
        if not calls:
            nodes.append(GraphNode(operation, 0, {}, is_input=True))
        for node_index, call in enumerate(calls):
            nodes.append(GraphNode(operation, node_index, call))

    def keys(spec):
        if spec and isinstance(spec[0], str):
            spec = [spec]
        return [(name, int(node), int(index)) for name, node, index in spec]

    return FunctionalGraph(nodes, keys(config["input_layers"]), keys(config["output_layers"]))
