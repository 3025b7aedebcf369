"""The one learning-rate schedule factory: constant, step, cosine (warm-up, final ratio),
exponential.

Every schedule in keras_sr (``keras-sr train``, the demo's fine-tuning, the QAT recipe)
comes from ``schedule``; the objects are Keras' own serializable schedules, so they are
saved with the optimizer in checkpoints.

Example:
    >>> rate = schedule("cosine", 1e-3, total_steps=100, warmup_steps=10, final_ratio=0.1)
    >>> [round(float(rate(s)), 6) for s in (0, 5, 10, 100)]
    [0.0, 0.0005, 0.001, 0.0001]
    >>> round(float(schedule("step", 0.1, total_steps=30, every_steps=10, gamma=0.5)(25)), 6)
    0.025
"""

import keras

NAMES = ("constant", "step", "cosine", "exponential")
_OPTIONS = {"constant": (), "step": ("gamma", "boundaries", "every_steps"),
            "cosine": ("warmup_steps", "final_ratio"),
            "exponential": ("decay_steps", "decay_rate")}


def schedule(name, learning_rate, total_steps, **options):
    """A learning rate (float, for ``constant``) or a ``keras.optimizers.schedules`` object.

    Args:
        name: ``constant``; ``step`` (multiply by ``gamma``, default 0.5, at each of
            ``boundaries`` (steps) or every ``every_steps`` steps, default half the run);
            ``cosine`` (linear warm-up from 0 over ``warmup_steps``, default 0, then a
            cosine from ``learning_rate`` to ``final_ratio`` x it, default 0, at
            ``total_steps``); ``exponential`` (times ``decay_rate``, default 0.5, every
            ``decay_steps``, default ``total_steps``, smoothly).
        learning_rate: float > 0, the peak rate.
        total_steps: int >= 1, the run's optimizer steps.
        **options: the options of ``name`` above.

    Returns:
        float or ``keras.optimizers.schedules.LearningRateSchedule``.

    Raises:
        ValueError: unknown name or option, or a value out of range (named).
    """
    if name not in NAMES:
        raise ValueError(f"schedule: name must be one of {NAMES}; got {name!r}")
    unknown = sorted(set(options) - set(_OPTIONS[name]))
    if unknown:
        raise ValueError(f"schedule {name!r}: unknown option(s) {unknown}; valid: "
                         f"{list(_OPTIONS[name])}")
    rate = float(learning_rate)
    if not rate > 0:
        raise ValueError(f"schedule: learning_rate must be > 0; got {learning_rate!r}")
    total = int(total_steps)
    if total < 1:
        raise ValueError(f"schedule: total_steps must be >= 1; got {total_steps!r}")
    schedules = keras.optimizers.schedules
    if name == "constant":
        return rate
    if name == "step":
        gamma = float(options.get("gamma", 0.5))
        if "boundaries" in options:
            boundaries = [int(b) for b in options["boundaries"]]
        else:
            every = int(options.get("every_steps", max(1, total // 2)))
            if every < 1:
                raise ValueError(f"schedule 'step': every_steps must be >= 1; got {every}")
            boundaries = list(range(every, total, every)) or [total]
        if boundaries != sorted(set(boundaries)) or boundaries[0] < 1:
            raise ValueError(f"schedule 'step': boundaries must be increasing steps >= 1; "
                             f"got {boundaries}")
        return schedules.PiecewiseConstantDecay(
            boundaries, [rate * gamma ** i for i in range(len(boundaries) + 1)])
    if name == "cosine":
        warmup = int(options.get("warmup_steps", 0))
        final = float(options.get("final_ratio", 0.0))
        if not 0 <= warmup < total:
            raise ValueError(f"schedule 'cosine': warmup_steps must be in [0, {total}); got "
                             f"{warmup}")
        if not 0.0 <= final <= 1.0:
            raise ValueError(f"schedule 'cosine': final_ratio must be in [0, 1]; got {final}")
        return schedules.CosineDecay(0.0 if warmup else rate, decay_steps=total - warmup,
                                     alpha=final, warmup_target=rate if warmup else None,
                                     warmup_steps=warmup)
    decay_steps = int(options.get("decay_steps", total))
    decay_rate = float(options.get("decay_rate", 0.5))
    if decay_steps < 1 or not decay_rate > 0:
        raise ValueError(f"schedule 'exponential': decay_steps must be >= 1 and decay_rate "
                         f"> 0; got {decay_steps}, {decay_rate}")
    return schedules.ExponentialDecay(rate, decay_steps, decay_rate)


def rate_at(rate, step):
    """The learning rate (float) of a float or schedule at optimizer step ``step``.

    Example:
        >>> rate_at(0.01, 7)
        0.01
    """
    if isinstance(rate, keras.optimizers.schedules.LearningRateSchedule):
        return float(keras.ops.convert_to_numpy(rate(step)))
    return float(rate)


__all__ = ["schedule", "rate_at", "NAMES"]
