"""``functional_graph``: the nodes of a functional Keras model and who consumes what.

Shared by the model rewrites (``quantize_model``, the channel equalizations and the
sub-pixel export rewrite), which all walk a functional graph in topological order.
"""

import keras


def functional_graph(model, caller):
    """Nodes in topological order, and per tensor id its consuming and producing nodes.

    Args:
        model: a functional ``keras.Model``.
        caller: str, the name of the calling function (for the error message).

    Returns:
        ``(nodes, consumers, producer)``: the list of nodes, inputs first;
        ``{id(tensor): [nodes that take it as an input]}`` (a node appears once per
        input slot it fills); ``{id(tensor): node that outputs it}``.

    Raises:
        ValueError: ``model`` is not a functional ``keras.Model``.
    """
    if not isinstance(model, keras.Model) or not hasattr(model, "_nodes_by_depth"):
        raise ValueError(f"{caller} expects a functional keras.Model; got {type(model)!r}")
    nodes = []
    for depth in sorted(model._nodes_by_depth, reverse=True):
        nodes.extend(model._nodes_by_depth[depth])
    consumers = {}
    producer = {}
    for node in nodes:
        for tensor in node.input_tensors:
            consumers.setdefault(id(tensor), []).append(node)
        for tensor in node.outputs:
            producer[id(tensor)] = node
    return nodes, consumers, producer
