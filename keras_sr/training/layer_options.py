"""Per-layer recipe options of a training config: initializers, trainable layers, learning
rate multipliers and initial weights (with transfer between scales).

Layers are chosen by shell-style globs on their names (``fnmatch``): FSRCNN's
deconvolution is ``sr``, its mapping layers ``mapping*``. A glob that matches no layer
is an error listing the model's layer names, so a typo never passes silently.

The learning-rate multipliers are real per-variable rates: the optimizer's public
``update_step(gradient, variable, learning_rate)`` (Keras' documented extension point)
is wrapped on the optimizer instance to pass ``learning_rate * multiplier`` for the
chosen variables. Scaling the gradients instead would do nothing for Adam, whose step
is invariant to the gradient's scale.

Example:
    >>> from keras_sr import models
    >>> model = models.get("fsrcnn", scale=3, channels=1)
    >>> sorted(set(rate_multipliers(model, {"sr": 0.1}).values()))
    [0.1]
    >>> [layer.name for layer in set_trainable(model, ["sr"])]
    ['sr']
"""

import fnmatch
import json
from pathlib import Path

import keras

from keras_sr import models


def _layers_with_weights(model):
    return [layer for layer in model.layers if layer.weights]


def match_layers(model, pattern, key):
    """The layers of ``model`` (with weights) whose name matches the glob ``pattern``.

    Raises:
        ValueError: nothing matches; names the config ``key``, the pattern and the layers.
    """
    found = [layer for layer in _layers_with_weights(model)
             if fnmatch.fnmatchcase(layer.name, str(pattern))]
    if not found:
        names = ", ".join(layer.name for layer in _layers_with_weights(model))
        raise ValueError(f"config {key!r}: pattern {pattern!r} matches no layer of "
                         f"{model.name!r}; its layers with weights: {names}")
    return found


def initialize_layers(model, spec, seed=0):
    """Re-initialise chosen weights of chosen layers.

    Args:
        model: a built ``keras.Model``.
        spec: ``{glob: {weight_name: initializer}}``, the initializer a Keras name
            (``"zeros"``) or ``{"name": "random_normal", "stddev": 0.001, ...}``; the
            weight name is the last part of the variable's path (``kernel``, ``bias``,
            ``alpha``).
        seed: int, seeds each initializer (same seed, same values).

    Returns:
        list of the variable paths set.

    Raises:
        ValueError: a bad glob, weight name or initializer (the key is named).
    """
    done = []
    for pattern, weights in (spec or {}).items():
        if not isinstance(weights, dict) or not weights:
            raise ValueError(f"config 'initializers.{pattern}' must map weight names "
                             f"(kernel, bias, ...) to initializers; got {weights!r}")
        for layer in match_layers(model, pattern, f"initializers.{pattern}"):
            by_name = {variable.path.split("/")[-1]: variable for variable in layer.weights}
            for name, how in weights.items():
                if name not in by_name:
                    raise ValueError(f"config 'initializers.{pattern}': layer {layer.name!r} "
                                     f"has no weight {name!r}; it has {sorted(by_name)}")
                variable = by_name[name]
                initializer = _initializer(how, seed + len(done), f"initializers.{pattern}.{name}")
                variable.assign(initializer(variable.shape, dtype=variable.dtype))
                done.append(variable.path)
    return done


def _initializer(how, seed, key):
    if isinstance(how, str):
        options, name = {}, how
    elif isinstance(how, dict) and "name" in how:
        options = {k: v for k, v in how.items() if k != "name"}
        name = how["name"]
    else:
        raise ValueError(f"config {key!r}: an initializer is a name or {{name: ..., "
                         f"options}}; got {how!r}")
    if name not in ("zeros", "ones", "constant"):
        options.setdefault("seed", int(seed))
    try:
        return keras.initializers.get({"class_name": name, "config": options})
    except (TypeError, ValueError) as error:
        raise ValueError(f"config {key!r}: bad initializer {how!r}: {error}") from error


def set_trainable(model, patterns):
    """Train only the layers matching ``patterns`` (a list of globs); freeze the others.

    Call before ``compile``. Returns the trainable layers.
    """
    chosen = []
    for pattern in patterns:
        chosen += [layer for layer in match_layers(model, pattern, "trainable")
                   if layer not in chosen]
    for layer in _layers_with_weights(model):
        layer.trainable = layer in chosen
    return chosen


def rate_multipliers(model, spec):
    """``{variable.path: multiplier}`` from ``{glob: multiplier}`` (the last match wins).

    Raises:
        ValueError: a bad glob or a multiplier that is not a number > 0.
    """
    out = {}
    for pattern, factor in (spec or {}).items():
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or factor <= 0:
            raise ValueError(f"config 'layer_lr.{pattern}' must be a number > 0; got "
                             f"{factor!r}")
        for layer in match_layers(model, pattern, f"layer_lr.{pattern}"):
            out.update({variable.path: float(factor) for variable in layer.trainable_weights})
    return out


def variable_path(variable):
    """The Keras path (``layer/kernel``) of a variable as ``update_step`` receives it: a
    Keras variable on JAX, the backing ``tf.Variable`` (``name`` ``layer/kernel:0``) on
    TensorFlow."""
    path = getattr(variable, "path", None)
    return path if path is not None else variable.name.split(":")[0]


def apply_rate_multipliers(optimizer, multipliers):
    """Make ``optimizer`` step each variable in ``multipliers`` at ``rate * multiplier``.

    Wraps the instance's public ``update_step``; the optimizer class, its config and
    its saved state are unchanged.

    Args:
        optimizer: a ``keras.optimizers.Optimizer``.
        multipliers: ``{variable.path: float}`` (``rate_multipliers``).

    Returns:
        ``optimizer``.
    """
    if not multipliers:
        return optimizer
    step = optimizer.update_step

    def update_step(gradient, variable, learning_rate):
        factor = multipliers.get(variable_path(variable))
        if factor is not None:
            learning_rate = learning_rate * factor
        return step(gradient, variable, learning_rate)

    optimizer.update_step = update_step
    return optimizer


def load_initial_weights(model, spec, name, scale, channels):
    """Load the config's ``weights`` into ``model`` (after ``initializers``).

    Args:
        model: the built model.
        spec: None; ``"pretrained"``; a ``.weights.h5`` path; or ``{"file": PATH,
            "transfer": true}``: weights of the same model at another scale (e.g.
            FSRCNN x3 -> x2), copied layer by layer where the shapes agree (the file's
            JSON sidecar names its model, scale and channels).
        name, scale, channels: the config's model name, scale and channels.

    Returns:
        str: what was loaded (for the log), or None.

    Raises:
        FileNotFoundError: a missing file (named).
        ValueError: a bad ``weights`` value, or a transfer that copies no layer.
    """
    if spec is None:
        return None
    if spec == "pretrained":
        models.load_weights(model, spec)
        return f"the shipped {name} x{scale} weights"
    if isinstance(spec, (str, Path)):
        if not Path(spec).is_file():
            raise FileNotFoundError(f"config 'weights': no file {str(spec)!r}")
        models.load_weights(model, str(spec))
        return str(spec)
    if not isinstance(spec, dict) or "file" not in spec or set(spec) - {"file", "transfer"}:
        raise ValueError("config 'weights' must be null, 'pretrained', a .weights.h5 path or "
                         f"{{file: PATH, transfer: true}}; got {spec!r}")
    path = Path(spec["file"])
    if not path.is_file():
        raise FileNotFoundError(f"config 'weights.file': no file {str(path)!r}")
    if not spec.get("transfer"):
        models.load_weights(model, str(path))
        return str(path)
    sidecar = path.with_name(path.name.replace(".weights.h5", ".json"))
    if not sidecar.is_file():
        raise FileNotFoundError(f"config 'weights.transfer': {str(path)!r} has no JSON sidecar "
                                f"{str(sidecar)!r} naming its model, scale and channels")
    meta = json.loads(sidecar.read_text())
    source = models.get(meta["model"], scale=meta["scale"], channels=meta["channels"],
                        weights=str(path))
    by_name = {layer.name: layer for layer in source.layers}
    copied = []
    for layer in _layers_with_weights(model):
        other = by_name.get(layer.name)
        if other is None or [w.shape for w in other.weights] != [w.shape for w in layer.weights]:
            continue
        layer.set_weights(other.get_weights())
        copied.append(layer.name)
    if not copied:
        raise ValueError(f"config 'weights.transfer': no layer of {str(path)!r} fits "
                         f"{model.name!r}")
    return f"{path} (transferred from x{meta['scale']}: {len(copied)} layers)"


__all__ = ["variable_path", "match_layers", "initialize_layers", "set_trainable", "rate_multipliers",
           "apply_rate_multipliers", "load_initial_weights"]
