"""A device-resident training loop for Keras 3 models on the JAX backend.

``model.fit`` on JAX pays, per step, for work that a super-resolution training step does
not need. Per step it: pulls the next batch from a Python iterator and transfers it to the
device; calls the jitted train function from Python (one dispatch per step, or per
``steps_per_execution``); re-packs the model/optimizer/metric state into nested lists and
back; updates the compiled loss tracker and every compiled metric (a few extra device
ops and variables per step); runs the callback machinery (``on_train_batch_begin/end``,
progress bar bookkeeping, log dictionaries whose values are device arrays, so a ``float``
there synchronises host and device); and, when state is not donated, allocates fresh
buffers for every variable each step.

:class:`FastLoop` removes all of that: it keeps the trainable, non-trainable and
optimizer variables as a tuple of JAX arrays, and one ``jax.jit`` call (with the state
buffers donated) runs ``steps_per_call`` optimisation steps with ``jax.lax.scan`` over a
stack of batches that is already on the device. The step itself is the same maths as
``fit``: ``model.stateless_call`` (training=True) -> loss -> ``jax.value_and_grad`` ->
``optimizer.stateless_apply``. Mixed precision is the Keras policy: build the model under
``keras.mixed_precision.set_global_policy("mixed_bfloat16")`` (float32 variables,
bfloat16 compute); the loss is computed in float32. Keras wraps optimizers in a loss
scaler only for ``mixed_float16``; bfloat16 needs none, and float16 is refused here.

On the TensorFlow (or any non-JAX) backend, :class:`FastLoop` falls back to
``model.compile`` + ``model.fit(..., steps_per_execution=steps_per_call)`` on the same
batch stack, so calling code does not depend on the backend.

Example:
    >>> loop = FastLoop(model, keras.optimizers.Adam(1e-3), "l1", steps_per_call=10)
    >>> losses = loop.run(lr_stack, hr_stack)   # (10, batch, h, w, c) stacks
    >>> loop.sync()                             # write the state back into `model`
"""

import keras
import numpy as np


def resolve_loss(loss):
    """A ``(y_true, y_pred) -> scalar`` callable from a name, a Loss or a function.

    Args:
        loss: a name understood by ``keras_sr.losses.get`` (falls back to
            ``keras.losses.get``), a ``keras.losses.Loss`` or a callable.

    Returns:
        The callable.
    """
    if callable(loss):
        return loss
    if not isinstance(loss, str):
        raise ValueError(f"`loss` must be a name or a callable; got {loss!r}")
    names = {"l1": "mean_absolute_error", "l2": "mean_squared_error",
             "mse": "mean_squared_error", "mae": "mean_absolute_error"}
    try:
        from keras_sr import losses as sr_losses  # written by the losses helper
        return sr_losses.get(loss)
    except (ImportError, AttributeError, ValueError):
        return keras.losses.get(names.get(loss.lower(), loss))


class FastLoop:
    """Runs many optimisation steps per device call with state kept on the device.

    Args:
        model: a built ``keras.Model``.
        optimizer: a ``keras.optimizers.Optimizer`` (learning-rate schedules work: the
            iteration counter is part of the optimizer state).
        loss: name, ``keras.losses.Loss`` or ``(y_true, y_pred) -> scalar`` callable.
        steps_per_call: optimisation steps per device call; the batch stacks passed to
            :meth:`run` have this many batches on their first axis.
        donate: donate the state buffers to the jitted step (JAX only), so XLA updates
            variables in place instead of allocating new ones each call.
    """

    def __init__(self, model, optimizer, loss, steps_per_call=10, donate=True):
        if int(steps_per_call) < 1:
            raise ValueError(f"`steps_per_call` must be >= 1; got {steps_per_call!r}")
        if keras.mixed_precision.global_policy().name == "mixed_float16":
            raise ValueError("FastLoop supports float32 and mixed_bfloat16 policies; "
                             "mixed_float16 needs loss scaling, use model.fit instead")
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
        self.loss_fn = resolve_loss(loss)
        self.steps_per_call = int(steps_per_call)
        self.donate = donate
        self.backend = keras.backend.backend()
        if not model.built:
            raise ValueError("FastLoop needs a built model (call it once or give it an Input)")
        if self.backend == "jax":
            self._init_jax()
        else:
            self.model.compile(optimizer=optimizer, loss=self.loss_fn,
                               steps_per_execution=self.steps_per_call)

    # ---------------------------------------------------------------- JAX path
    def _init_jax(self):
        import jax

        model, optimizer, loss_fn = self.model, self.optimizer, self.loss_fn
        if not optimizer.built:
            optimizer.build(model.trainable_variables)

        def one_step(state, batch):
            trainable, non_trainable, opt_vars = state
            x, y = batch

            def loss_of(trainable_values):
                y_pred, new_non_trainable = model.stateless_call(
                    trainable_values, non_trainable, x, training=True)
                value = loss_fn(y, keras.ops.cast(y_pred, "float32"))
                # per-pixel/per-sample losses are averaged, as Keras' default reduction
                value = keras.ops.mean(keras.ops.cast(value, "float32"))
                return value, new_non_trainable

            (value, new_non_trainable), grads = jax.value_and_grad(
                loss_of, has_aux=True)(trainable)
            new_trainable, new_opt_vars = optimizer.stateless_apply(opt_vars, grads, trainable)
            return (new_trainable, new_non_trainable, new_opt_vars), value

        def many_steps(state, xs, ys):
            return jax.lax.scan(one_step, state, (xs, ys))

        self._step = jax.jit(many_steps, donate_argnums=(0,) if self.donate else ())
        self._state = self._read_state()

    def _read_state(self):
        # Copies, so that donating them never invalidates the Keras variables' buffers.
        import jax.numpy as jnp

        def copy(variables):
            return [jnp.array(v.value, copy=True) for v in variables]

        return (copy(self.model.trainable_variables),
                copy(self.model.non_trainable_variables),
                copy(self.optimizer.variables))

    def run(self, lr_stack, hr_stack):
        """Runs ``steps_per_call`` optimisation steps.

        Args:
            lr_stack: float32 ``(steps_per_call, batch, h, w, c)`` inputs in [0, 1]
                (numpy or device arrays).
            hr_stack: float32 ``(steps_per_call, batch, H, W, c)`` targets.

        Returns:
            numpy float32 ``(steps_per_call,)`` loss of every step.
        """
        if len(lr_stack) != self.steps_per_call or len(hr_stack) != self.steps_per_call:
            raise ValueError(f"batch stacks must have {self.steps_per_call} batches on axis 0; "
                             f"got lr {np.shape(lr_stack)}, hr {np.shape(hr_stack)}")
        if self.backend == "jax":
            import jax.numpy as jnp

            self._state, losses = self._step(self._state, jnp.asarray(lr_stack),
                                             jnp.asarray(hr_stack))
            return np.asarray(losses)
        lr = np.reshape(lr_stack, (-1,) + tuple(np.shape(lr_stack)[2:]))
        hr = np.reshape(hr_stack, (-1,) + tuple(np.shape(hr_stack)[2:]))
        history = self.model.fit(lr, hr, batch_size=int(np.shape(lr_stack)[1]), epochs=1,
                                 shuffle=False, verbose=0)
        return np.full((self.steps_per_call,), history.history["loss"][-1], "float32")

    def sync(self):
        """Writes the on-device state back into the model's and optimizer's variables."""
        if self.backend != "jax":
            return
        trainable, non_trainable, opt_vars = self._state
        for variable, value in zip(self.model.trainable_variables, trainable):
            variable.assign(value)
        for variable, value in zip(self.model.non_trainable_variables, non_trainable):
            variable.assign(value)
        for variable, value in zip(self.optimizer.variables, opt_vars):
            variable.assign(value)
        self._state = self._read_state()

    def reload(self):
        """Reads the model/optimizer variables again (after they were set from outside)."""
        if self.backend == "jax":
            self._state = self._read_state()


__all__ = ["FastLoop", "resolve_loss"]
