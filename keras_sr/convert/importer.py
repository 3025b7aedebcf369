"""Import a PyTorch checkpoint into a keras_sr model and save it as ``.keras``."""

import dataclasses
from pathlib import Path

from keras_sr import models
from keras_sr.convert.mapping import MappingError, plan_for
from keras_sr.convert.state_dict import find_state_dict
from keras_sr.convert.torch_file import read_torch_file


@dataclasses.dataclass
class ImportResult:
    """What :func:`import_checkpoint` built.

    Attributes:
        model: the ``keras.Model`` with the checkpoint's weights.
        family: keras_sr model name (``"vdsr"``, ``"lapsrn"``).
        scale: int.
        options: builder arguments read from the checkpoint.
        layout: ``"zip"`` or ``"legacy"``.
        source: where in the file the weights were found.
        tensors: int, tensors read and assigned.
        notes: list of str, what was detected or assumed.
        path: the saved ``.keras`` path, or None.
    """

    model: object
    family: str
    scale: int
    options: dict
    layout: str
    source: str
    tensors: int
    notes: list
    path: object = None

    def summary(self):
        """A few lines for people: the model, where the weights came from, the notes."""
        lines = [f"{self.family} x{self.scale} ({self.model.count_params():,} parameters) "
                 f"from a {self.layout}-format torch file, weights in {self.source}: "
                 f"{self.tensors} tensors assigned"]
        lines.extend(f"  {note}" for note in self.notes)
        if self.path is not None:
            lines.append(f"saved {self.path}")
        return "\n".join(lines)


def _resolve_scale(plan, scale, path):
    if plan.scale is None:
        if scale is None:
            raise ValueError(f"{path}: a {plan.family} checkpoint serves any scale; pass "
                             "`scale` (--scale)")
        plan.notes.append(f"scale x{scale} as asked (one {plan.family} serves every scale)")
        return int(scale)
    if scale is not None and int(scale) != plan.scale:
        raise ValueError(f"{path}: the checkpoint is a {plan.family} x{plan.scale}; `scale` "
                         f"{scale!r} does not match it")
    return plan.scale


def load_plan(model, plan):
    """Copy the planned tensors into ``model``'s layers (Keras layout).

    Args:
        model: a ``keras.Model`` built with the plan's options.
        plan: :class:`~keras_sr.convert.mapping.Plan`.

    Raises:
        MappingError: a planned layer is absent, a shape differs, or a layer of the model
            with weights receives none.
    """
    names = {layer.name: layer for layer in model.layers}
    missing, misshaped = [], []
    values = {}
    for layer_name, conv in plan.assignments:
        layer = names.get(layer_name)
        if layer is None:
            missing.append(f"keras layer {layer_name!r} for {conv.name}")
            continue
        weights = conv.keras_weights()
        expected = [tuple(w.shape) for w in layer.weights]
        got = [tuple(w.shape) for w in weights]
        if expected != got:
            misshaped.append(f"{conv.describe()} -> keras layer {layer_name!r}: Keras shapes "
                             f"{got}, the layer has {expected}")
            continue
        values[layer_name] = weights
    planned = {layer_name for layer_name, _ in plan.assignments}
    unfilled = [f"keras layer {layer.name!r} "
                f"({', '.join(str(tuple(w.shape)) for w in layer.weights)})"
                for layer in model.layers if layer.weights and layer.name not in planned]
    if missing or misshaped or unfilled:
        raise MappingError(f"{plan.family}: the checkpoint does not fill the model",
                           missing=missing + [f"{u}: no tensor" for u in unfilled],
                           misshaped=misshaped)
    for layer_name, weights in values.items():
        names[layer_name].set_weights(weights)


def import_checkpoint(path, model=None, scale=None, out=None, key=None):
    """Read a PyTorch checkpoint safely, map it onto a keras_sr model, optionally save it.

    Args:
        path: a ``torch.save`` file (zip or legacy layout; a state dict or a pickled
            module). Nothing in it is executed.
        model: keras_sr family (``"vdsr"``, ``"lapsrn"``) or None to detect it.
        scale: int; needed for VDSR (one checkpoint serves every scale), checked against
            the checkpoint for LapSRN; None to take the checkpoint's.
        out: optional path of the ``.keras`` file to write (loads with safe mode on).
        key: optional entry of a checkpoint dict holding the weights (``"params_ema"``).

    Returns:
        :class:`ImportResult`.

    Raises:
        FileNotFoundError: ``path`` is missing.
        ValueError: not a checkpoint; unsafe (``UnsafeCheckpointError``); does not fit
            (``MappingError``, naming missing / unexpected / mis-shaped tensors); or a
            ``scale`` it cannot serve.
    """
    path = Path(path)
    obj, layout = read_torch_file(path)
    state = find_state_dict(obj, key=key, path=str(path))
    try:
        plan = plan_for(state, model)
    except MappingError as err:
        raise MappingError(f"{path}: {err}") from None
    scale = _resolve_scale(plan, scale, path)
    keras_model = models.get(plan.family, scale=scale, **plan.options)
    load_plan(keras_model, plan)
    result = ImportResult(keras_model, plan.family, scale, dict(plan.options), layout,
                          state.source, len(state.tensors), list(plan.notes))
    if out is not None:
        out = Path(out)
        if out.suffix != ".keras":
            raise ValueError(f"`out` must end in .keras; got {out}")
        out.parent.mkdir(parents=True, exist_ok=True)
        keras_model.save(out)
        result.path = out
    return result
