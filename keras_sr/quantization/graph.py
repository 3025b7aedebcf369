"""``functional_graph``: the steps of a functional Keras model and who consumes what;
``rebuild_model``: a copy of such a model rebuilt step by step.

Shared by the model rewrites (``quantize_model``, the channel equalizations, the range
search, the sub-pixel export rewrite and the PReLU split), which all walk a functional
graph in topological order. Built from public structure only: the functional config
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


def clone_call(layer, args, kwargs):
    """Call a copy of ``layer`` (same class, config and weights) on ``args``/``kwargs``
    (the rebuilt inputs of its node, from :meth:`GraphNode.fill_in`); returns its outputs."""
    clone = type(layer).from_config(layer.get_config())
    outputs = clone(*args, **kwargs)
    clone.set_weights(layer.get_weights())
    return outputs


def rebuild_model(model, graph, call_node):
    """A new functional model with ``model``'s inputs, each step rebuilt by ``call_node``.

    Fresh ``keras.Input`` tensors (same batch shapes, dtypes and names as
    ``model.inputs``) are fed through the nodes of ``graph`` in topological order; each
    non-input node is rebuilt by ``call_node``, which may clone the layer
    (:func:`clone_call`), replace it by other layers or drop it.

    Args:
        model: a functional ``keras.Model``.
        graph: its :class:`FunctionalGraph` (from :func:`functional_graph`).
        call_node: function ``(node, args, kwargs) -> outputs``: rebuild :class:`GraphNode`
            ``node`` on the new tensors ``args``/``kwargs`` (its inputs in the new model)
            and return the new output tensor(s); returning ``args[0]`` drops the layer.

    Returns:
        ``keras.Model`` named ``model.name``: a single input (output) when ``model`` has
        one, else lists in ``model.inputs`` (``model.outputs``) order.

    Example:
        >>> import keras
        >>> x = keras.Input((None, None, 1), name="lr")
        >>> h = keras.layers.Conv2D(2, 3, padding="same", name="conv")(x)
        >>> model = keras.Model(x, keras.layers.ReLU(name="relu")(h), name="tiny")
        >>> def drop_relu(node, args, kwargs):
        ...     if isinstance(node.operation, keras.layers.ReLU):
        ...         return args[0]
        ...     return clone_call(node.operation, args, kwargs)
        >>> copy = rebuild_model(model, functional_graph(model, "example"), drop_relu)
        >>> copy.name, [layer.name for layer in copy.layers]
        ('tiny', ['lr', 'conv'])
    """
    tensors, inputs = {}, []
    for key, tensor in zip(graph.inputs, model.inputs):
        new_input = keras.Input(batch_shape=tensor.shape, dtype=tensor.dtype,
                                name=tensor.name)
        inputs.append(new_input)
        tensors[key] = new_input
    for node in graph.nodes:
        if node.is_input:
            continue
        args, kwargs = node.fill_in(tensors)
        node.bind(tensors, call_node(node, args, kwargs))
    outputs = [tensors[key] for key in graph.outputs]
    return keras.Model(inputs[0] if len(inputs) == 1 else inputs,
                       outputs[0] if len(outputs) == 1 else outputs, name=model.name)
