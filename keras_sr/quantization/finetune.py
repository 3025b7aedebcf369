"""``fine_tune``: quantization-aware fine-tuning of a QAT model with ``model.fit``."""

import keras


def fine_tune(qat_model, lr, hr=None, epochs=1, batch_size=16, learning_rate=1e-4,
              loss="mean_absolute_error", steps_per_epoch=None, seed=0, verbose=0):
    """Fine-tune a model from :func:`quantize_model` with Adam and an L1 loss.

    Runs on every backend (``model.fit``); EMA activation ranges are updated by the
    forward passes in training mode, learned ranges by their gradients.

    Args:
        qat_model: the QAT ``keras.Model``.
        lr: LR patches ``(N, h, w, c)`` float32 in [0, 1], or a ``tf.data.Dataset`` /
            ``keras.utils.PyDataset`` yielding ``(lr, hr)`` (then ``hr`` is None).
        hr: HR patches ``(N, h*s, w*s, c)`` float32 in [0, 1] when ``lr`` is an array.
        epochs: int, passes over the data.
        batch_size: int, used when ``lr`` is an array.
        learning_rate: float, Adam step (small: the float weights are already trained).
        loss: a Keras loss name or object.
        steps_per_epoch: optional int, batches per epoch for endless datasets.
        seed: int, seeds the shuffling of array data.
        verbose: int, ``fit`` verbosity.

    Returns:
        The ``keras.callbacks.History`` of the fit.
    """
    keras.utils.set_random_seed(seed)
    qat_model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss)
    if hr is None:
        return qat_model.fit(lr, epochs=epochs, steps_per_epoch=steps_per_epoch,
                             verbose=verbose)
    return qat_model.fit(lr, hr, epochs=epochs, batch_size=batch_size, shuffle=True,
                         steps_per_epoch=steps_per_epoch, verbose=verbose)
