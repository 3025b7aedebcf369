"""Training a multi-level (progressive) model level by level: per-level loss weights.

A model whose output is a dict ``{"sr_x2": ..., "sr_x4": ..., ...}`` (LapSRN built with
``pyramid=True``; any builder that names its outputs ``sr_x<k>``) is trained by the one
trainer (``keras_sr.training.trainer``) through ``LevelLosses``: the loss is
``sum_k w_k * loss(resize(hr, k / scale), sr_x<k>)``, the target of level ``k`` being
the HR batch shrunk by ``keras_sr.image.resize.imresize`` (MATLAB bicubic, antialiased).

Without ``curriculum`` in the config every ``w_k`` is 1 (the LapSRN paper's sum over
levels). With ``curriculum: {switch_step: S, decay_steps: D, final_weight: F, decay:
linear|cosine}`` the levels are switched on one after another (``level_weights``):

- level ``i`` (0: x2) counts from step ``i * S`` on (weight 1);
- once level ``i + 1`` is on (step ``(i + 1) * S``), level ``i``'s weight decays from 1
  to ``F`` over ``D`` steps (linear or half-cosine), then stays at ``F``;
- the top level keeps weight 1 once it is on.

For two levels (x4), ``S = 2000, D = 1000, F = 0.1``: ``[1, 0]`` for steps 0..1999, then
the x2 weight goes 1 -> 0.1 over steps 2000..3000 while x4 counts fully.

The weights are non-trainable ``keras.Variable`` s of ``LevelLosses`` that multiply each
level's loss inside the compiled step; ``Curriculum`` (a callback) assigns them before
every compiled call from the global step ``epoch * steps_per_epoch + batch``, so ``fit``
never recompiles and a resumed run (``initial_epoch``) gets the weights of its step.
With ``steps_per_execution: N`` they change every ``N`` steps (at the call's first step).
"""

import math

import keras
from keras import ops

from keras_sr.image.resize import imresize
from keras_sr.models.sr_model import SRModel

DECAYS = ("linear", "cosine")
KEYS = ("switch_step", "decay_steps", "final_weight", "decay")


def check_curriculum(spec):
    """The ``curriculum`` config value, complete; ``ValueError`` naming the bad key.

    Args:
        spec: None (no curriculum) or a mapping with ``switch_step`` (int >= 1),
            ``decay_steps`` (int >= 0, default 0: the lower level drops at once),
            ``final_weight`` (number in [0, 1], default 0) and ``decay`` (``linear``,
            the default, or ``cosine``).

    Returns:
        None, or a new dict with the four keys.

    Example:
        >>> check_curriculum({"switch_step": 100})
        {'switch_step': 100, 'decay_steps': 0, 'final_weight': 0.0, 'decay': 'linear'}
    """
    if spec is None:
        return None
    if not isinstance(spec, dict):
        raise ValueError("config 'curriculum' must be a mapping {switch_step:, decay_steps:, "
                         f"final_weight:, decay:}} or null; got {spec!r}")
    unknown = sorted(set(spec) - set(KEYS))
    if unknown:
        raise ValueError(f"unknown config key 'curriculum.{unknown[0]}'; valid keys: "
                         f"{', '.join(KEYS)}")
    out = {"switch_step": spec.get("switch_step"), "decay_steps": spec.get("decay_steps", 0),
           "final_weight": spec.get("final_weight", 0.0), "decay": spec.get("decay", "linear")}
    for key, low in (("switch_step", 1), ("decay_steps", 0)):
        value = out[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"config 'curriculum.{key}' must be an integer >= {low} "
                             f"(optimizer steps); got {value!r}")
    final = out["final_weight"]
    if isinstance(final, bool) or not isinstance(final, (int, float)) or not 0 <= final <= 1:
        raise ValueError(f"config 'curriculum.final_weight' must be a number in [0, 1] (the "
                         f"lower level's loss weight after the decay); got {final!r}")
    out["final_weight"] = float(final)
    if out["decay"] not in DECAYS:
        raise ValueError(f"config 'curriculum.decay' must be one of {DECAYS}; got "
                         f"{out['decay']!r}")
    return out


def level_weights(step, num_levels, curriculum=None):
    """Loss weight of each level at a global optimizer step (lowest level first).

    Args:
        step: int >= 0, global step (0-based).
        num_levels: int >= 1, pyramid levels.
        curriculum: a ``check_curriculum`` dict, or None (every weight 1).

    Returns:
        list of ``num_levels`` floats in [0, 1].

    Example:
        >>> c = check_curriculum({"switch_step": 10, "decay_steps": 4, "final_weight": 0.2})
        >>> [level_weights(s, 2, c) for s in (0, 9, 10, 12, 14, 50)]
        [[1.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.6, 1.0], [0.2, 1.0], [0.2, 1.0]]
    """
    if curriculum is None:
        return [1.0] * num_levels
    switch, steps = curriculum["switch_step"], curriculum["decay_steps"]
    final = curriculum["final_weight"]
    weights = []
    for i in range(num_levels):
        if step < i * switch:
            weights.append(0.0)
            continue
        if i == num_levels - 1 or step < (i + 1) * switch:
            weights.append(1.0)
            continue
        t = 1.0 if steps == 0 else min(1.0, (step - (i + 1) * switch) / steps)
        left = 1.0 - t if curriculum["decay"] == "linear" else 0.5 * (1 + math.cos(math.pi * t))
        weights.append(round(final + (1.0 - final) * left, 9))
    return weights


def pyramid_levels(model):
    """The sorted level factors of a model's ``sr_x<k>`` dict outputs; ``[]`` otherwise.

    Args:
        model: a built keras functional model.

    Returns:
        list of ints, e.g. ``[2, 4]`` for ``lapsrn(scale=4, pyramid=True)``.
    """
    outputs = model.output
    if not isinstance(outputs, dict):
        return []
    names = list(outputs)
    if not all(n.startswith("sr_x") and n[4:].isdigit() for n in names):
        raise ValueError(f"model {model.name!r} has dict outputs {names}; multi-level training "
                         "expects them named sr_x<k> (k: the level's scale)")
    return sorted(int(n[4:]) for n in names)


def top_level_model(pyramid, scale):
    """The LR -> SR model of a pyramid's top level (shared layers), output named ``sr``.

    Args:
        pyramid: model with ``sr_x<k>`` dict outputs (``pyramid_levels``).
        scale: int, the level to output (the model's scale).

    Returns:
        ``SRModel`` with the pyramid's name, ``scale`` and channels: the same layers and
        weight file as the builder's single-output model (``lapsrn(pyramid=False)``).
    """
    top = pyramid.output[f"sr_x{scale}"]
    sr = keras.layers.Identity(dtype="float32", name="sr")(top)
    return SRModel(pyramid.inputs[0], sr, scale=scale,
                   channels=getattr(pyramid, "channels", None), name=pyramid.name)


class LevelLosses(keras.Model):
    """Training wrapper ``lr -> {"sr_x<k>": ...}`` whose loss sums weighted per-level losses.

    ``compute_loss`` takes the HR batch ``y`` ``(batch, S, S, channels)`` in [0, 1],
    makes level ``k``'s target ``imresize(y, scale=k / scale)`` and returns
    ``sum_k weights[k] * loss(target_k, sr_x<k>)`` (plus any layer losses).
    ``weights`` are non-trainable scalar variables (``loss_weight_x<k>``), assigned by
    ``Curriculum`` between compiled calls. The logs also hold each level's unweighted
    loss, ``loss_x<k>`` (epoch means): ``loss`` itself changes meaning with the weights,
    so the trainer keeps the best checkpoint by ``loss_x<scale>`` when it does not
    validate.

    Not meant to be saved: the trained model is ``self.sr_model`` (``top_level_model``),
    which shares its variables (and, in the trainer, its optimizer).

    Args:
        pyramid: model with ``sr_x<k>`` dict outputs.
        sr_model: its ``top_level_model``.
        loss: a ``keras.losses.Loss`` (the config's ``loss``), applied per level.
        initial_weights: list of floats, one per level (``level_weights`` at the start).
        **kwargs: ``keras.Model`` arguments (``name``).
    """

    def __init__(self, pyramid, sr_model, loss, initial_weights, **kwargs):
        kwargs.setdefault("name", f"{pyramid.name}_levels")
        super().__init__(**kwargs)
        self.pyramid = pyramid
        self.sr_model = sr_model
        self.levels = pyramid_levels(pyramid)
        self.scale = max(self.levels)
        self.level_loss = loss
        self.level_weights = [
            self.add_weight(shape=(), initializer=keras.initializers.Constant(float(w)),
                            trainable=False, dtype="float32", name=f"loss_weight_x{k}")
            for k, w in zip(self.levels, initial_weights)]
        self.level_trackers = [keras.metrics.Mean(name=f"loss_x{k}") for k in self.levels]

    @property
    def metrics(self):
        return super().metrics + self.level_trackers

    def call(self, inputs, training=False):
        return self.pyramid(inputs, training=training)

    def targets(self, hr):
        """``{"sr_x<k>": HR shrunk to level k}`` from float HR ``(batch, S, S, c)``."""
        hr = ops.cast(hr, "float32")
        return {f"sr_x{k}": hr if k == self.scale else imresize(hr, scale=k / self.scale)
                for k in self.levels}

    def level_losses(self, y, y_pred):
        """Unweighted loss of each level (lowest first), scalars."""
        targets = self.targets(y)
        return [self.level_loss(targets[f"sr_x{k}"], ops.cast(y_pred[f"sr_x{k}"], "float32"))
                for k in self.levels]

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        total = 0.0
        for weight, loss in zip(self.level_weights, self.level_losses(y, y_pred)):
            total = total + weight * loss
        if self.losses:
            total = total + ops.sum(ops.stack(self.losses))
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        for tracker, loss in zip(self.level_trackers, self.level_losses(y, y_pred)):
            tracker.update_state(loss)
        return super().compute_metrics(x, y, y_pred, sample_weight=sample_weight)


class Curriculum(keras.callbacks.Callback):
    """Sets ``LevelLosses.level_weights`` from the global step before each compiled call.

    Args:
        curriculum: a ``check_curriculum`` dict (None: every weight 1).
        steps_per_epoch: int, the run's steps per epoch (global step = ``epoch *
            steps_per_epoch + batch``; resuming at ``initial_epoch`` resumes the schedule).
    """

    def __init__(self, curriculum, steps_per_epoch):
        super().__init__()
        self.curriculum = curriculum
        self.steps_per_epoch = int(steps_per_epoch)
        self.epoch = 0
        self.current = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        levels = len(self._model.level_weights)
        weights = level_weights(self.epoch * self.steps_per_epoch + batch, levels,
                                self.curriculum)
        if weights == self.current:
            return
        model = self.model   # on JAX: writes the training state back before we assign
        for variable, value in zip(model.level_weights, weights):
            variable.assign(value)
        self.current = weights


__all__ = ["Curriculum", "LevelLosses", "check_curriculum", "level_weights",
           "pyramid_levels", "top_level_model", "DECAYS", "KEYS"]
