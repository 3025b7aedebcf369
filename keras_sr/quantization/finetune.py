"""``fine_tune``: quantization-aware fine-tuning of a QAT model with ``model.fit``."""

import math

import keras

from keras_sr.training.schedules import schedule


def _steps_per_epoch(lr, batch_size, steps_per_epoch):
    if steps_per_epoch is not None:
        return int(steps_per_epoch)
    if hasattr(lr, "shape"):
        return math.ceil(int(lr.shape[0]) / int(batch_size))
    try:
        return len(lr)
    except TypeError as error:
        raise ValueError("fine_tune: `decay='cosine'` and `initial_epoch` need "
                         "`steps_per_epoch` for a dataset of unknown length") from error


def fine_tune(qat_model, lr, hr=None, epochs=1, batch_size=16, learning_rate=1e-4,
              loss="mean_absolute_error", steps_per_epoch=None, decay=None,
              final_learning_rate_ratio=0.02, seed=0, verbose=0,
              steps_per_execution=1, initial_epoch=0, callbacks=None):
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
        initial_epoch: int, epoch to resume at (the schedule continues from its step).
        callbacks: optional list of ``keras.callbacks.Callback`` (e.g. checkpoints).

    Returns:
        The ``keras.callbacks.History`` of the fit.
    """
    if decay not in (None, "cosine"):
        raise ValueError(f"fine_tune: `decay` must be None or 'cosine'; got {decay!r}")
    if not 0.0 <= float(final_learning_rate_ratio) <= 1.0:
        raise ValueError("fine_tune: `final_learning_rate_ratio` must be in [0, 1]; got "
                         f"{final_learning_rate_ratio!r}")
    keras.utils.set_random_seed(seed)
    per_epoch = None
    if decay is not None or initial_epoch:
        per_epoch = _steps_per_epoch(lr, batch_size, steps_per_epoch)
    if decay is None:
        rate = schedule("constant", learning_rate, 1)
    else:
        rate = schedule(decay, learning_rate, max(1, int(epochs) * per_epoch),
                        final_ratio=final_learning_rate_ratio)
    optimizer = keras.optimizers.Adam(rate)
    qat_model.compile(optimizer=optimizer, loss=loss,
                      steps_per_execution=int(steps_per_execution))
    callbacks = list(callbacks or [])
    if initial_epoch:
        callbacks.insert(0, _ResumeStep(int(initial_epoch) * per_epoch))
    fit = dict(epochs=epochs, steps_per_epoch=steps_per_epoch, verbose=verbose,
               initial_epoch=int(initial_epoch), callbacks=callbacks)
    if hr is None:
        return qat_model.fit(lr, **fit)
    return qat_model.fit(lr, hr, batch_size=batch_size, shuffle=True, **fit)


class _ResumeStep(keras.callbacks.Callback):
    """Set the optimizer's step when training resumes, so the schedule continues."""

    def __init__(self, step):
        super().__init__()
        self.step = step

    def on_train_begin(self, logs=None):
        optimizer = self.model.optimizer
        if not optimizer.built:
            optimizer.build(self.model.trainable_variables)
        optimizer.iterations.assign(self.step)
