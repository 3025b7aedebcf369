"""``fine_tune``: quantization-aware fine-tuning of a QAT model with ``model.fit``."""

import math

import keras


def _steps_per_epoch(lr, batch_size, steps_per_epoch):
    if steps_per_epoch is not None:
        return int(steps_per_epoch)
    if hasattr(lr, "shape"):
        return math.ceil(int(lr.shape[0]) / int(batch_size))
    try:
        return len(lr)
    except TypeError as error:
        raise ValueError("fine_tune: `decay='cosine'` needs `steps_per_epoch` for a "
                         "dataset of unknown length") from error


def fine_tune(qat_model, lr, hr=None, epochs=1, batch_size=16, learning_rate=1e-4,
              loss="mean_absolute_error", steps_per_epoch=None, decay=None,
              final_learning_rate_ratio=0.02, seed=0, verbose=0,
              steps_per_execution=1):
    """Fine-tune a model from :func:`quantize_model` with Adam (L1 loss by default).

    Runs on every backend (``model.fit``); EMA activation ranges are updated by the
    forward passes in training mode, learned ranges by their gradients.

    Args:
        qat_model: the QAT ``keras.Model``.
        lr: LR patches ``(N, h, w, c)`` float32 in [0, 1], or a ``tf.data.Dataset`` /
            ``keras.utils.PyDataset`` yielding ``(lr, hr)`` (then ``hr`` is None).
        hr: HR patches ``(N, h*s, w*s, c)`` float32 in [0, 1] when ``lr`` is an array.
        epochs: int, passes over the data.
        batch_size: int, used when ``lr`` is an array.
        learning_rate: float, initial Adam step (small: the float weights are trained).
        loss: a Keras loss name or object.
        steps_per_epoch: optional int, batches per epoch (needed for endless datasets).
        decay: ``None`` (constant rate) or ``"cosine"``: the rate falls along a cosine to
            ``learning_rate * final_learning_rate_ratio`` at the last step, so that the
            last epochs settle the weights on the int8 grid instead of hopping between
            grid points.
        final_learning_rate_ratio: float in [0, 1], end of the cosine.
        seed: int, seeds the shuffling of array data.
        verbose: int, ``fit`` verbosity.
        steps_per_execution: int, training steps per compiled call (``compile``'s
            argument): small models on a CPU spend much of a step in the fit loop.

    Returns:
        The ``keras.callbacks.History`` of the fit.
    """
    if decay not in (None, "cosine"):
        raise ValueError(f"fine_tune: `decay` must be None or 'cosine'; got {decay!r}")
    if not 0.0 <= float(final_learning_rate_ratio) <= 1.0:
        raise ValueError("fine_tune: `final_learning_rate_ratio` must be in [0, 1]; got "
                         f"{final_learning_rate_ratio!r}")
    keras.utils.set_random_seed(seed)
    rate = learning_rate
    if decay == "cosine":
        total = max(1, int(epochs) * _steps_per_epoch(lr, batch_size, steps_per_epoch))
        rate = keras.optimizers.schedules.CosineDecay(
            learning_rate, decay_steps=total, alpha=float(final_learning_rate_ratio))
    qat_model.compile(optimizer=keras.optimizers.Adam(rate), loss=loss,
                      steps_per_execution=int(steps_per_execution))
    if hr is None:
        return qat_model.fit(lr, epochs=epochs, steps_per_epoch=steps_per_epoch,
                             verbose=verbose)
    return qat_model.fit(lr, hr, epochs=epochs, batch_size=batch_size, shuffle=True,
                         steps_per_epoch=steps_per_epoch, verbose=verbose)
