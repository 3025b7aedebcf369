"""``GANTrainer``: SRGAN / ESRGAN adversarial training of a generator through ``model.fit``.

One ``fit`` step on a batch ``(lr, hr)``:

1. ``d_steps`` discriminator updates on that batch: ``sr = G(lr)`` (no gradient to G),
   ``loss_D = adversarial_D(D(hr), D(sr))`` with the discriminator's optimizer.
2. One generator update: ``loss_G = sum_i w_i * loss_i(hr, sr)`` over the terms of a
   ``keras_sr.losses.CompositeLoss``, its adversarial term computed from ``D(sr)`` and
   ``D(hr)`` (relativistic losses need both), with the generator's optimizer.
3. When ``ema_decay`` is set, ``ema = decay * ema + (1 - decay) * weights`` of G.

Before ``adversarial_start_step`` steps the discriminator is not updated and the
adversarial term is multiplied by 0, i.e. pixel/content pre-training (ESRGAN starts
from a PSNR-oriented generator); pre-training can as well be a plain
``generator.compile(loss=...)``/``fit`` before building the trainer.

``train_step`` is written twice: stateful with ``tf.GradientTape`` on TensorFlow, and
stateless (``stateless_call``/``stateless_apply`` under ``jax.value_and_grad``) on JAX.
The History gets ``loss`` (generator total), ``d_loss`` and ``<label>_loss`` for each
weighted term; validation (``validation_data=``) reports the non-adversarial terms,
their sum as ``val_loss`` and the compiled metrics (e.g. ``keras_sr.metrics.PSNR``).
Save the trained network with ``trainer.generator.save(...)`` or
``trainer.ema_generator().save(...)``.
"""

import keras
import numpy as np
from keras import ops

from keras_sr.losses.composite import CompositeLoss


def _pick(values, index, variables):
    return [values[index[id(v)]] for v in variables]


def _put(values, index, variables, new_values):
    for variable, value in zip(variables, new_values):
        values[index[id(variable)]] = value


@keras.saving.register_keras_serializable(package="keras_sr")
class GANTrainer(keras.Model):
    """A generator and a discriminator trained adversarially by ``fit`` on ``(lr, hr)``.

    Args:
        generator: built ``keras.Model``, ``lr -> sr`` (images in [0, 1]).
        discriminator: built ``keras.Model``, ``image -> logits`` (any shape, batch first).
        d_steps: discriminator updates per generator update (on the same batch).
        adversarial_start_step: train steps of generator-only pre-training (no
            adversarial term, discriminator frozen) before adversarial training.
        ema_decay: keep an exponential moving average of the generator's trainable
            weights with this decay (e.g. 0.999), or None.

    Compile with ``compile(generator_optimizer, discriminator_optimizer, loss=...,
    metrics=...)``; ``loss`` is a ``CompositeLoss``, its dict or config path, and must
    have an adversarial term, e.g. ``keras_sr.losses.ESRGAN_LOSS``. Calling the trainer
    runs the generator. Torch backend: not supported.

    Example:
        >>> import numpy as np
        >>> from keras_sr import models
        >>> generator = models.get("espcn", scale=2, channels=3)
        >>> discriminator = models.get("patch_discriminator", channels=3, filters=8)
        >>> trainer = GANTrainer(generator, discriminator, ema_decay=0.999)
        >>> trainer.compile(keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4),
        ...                 loss={"l1": 0.01, "gan": {"weight": 0.005, "kind": "relativistic"}})
        >>> lr, hr = np.zeros((2, 16, 16, 3), "float32"), np.zeros((2, 32, 32, 3), "float32")
        >>> history = trainer.fit(lr, hr, epochs=1, verbose=0)  # ESRGAN adds "content": 1.0
        >>> tuple(trainer(lr).shape)
        (2, 32, 32, 3)
    """

    def __init__(self, generator, discriminator, d_steps=1, adversarial_start_step=0,
                 ema_decay=None, **kwargs):
        kwargs.setdefault("name", "gan_trainer")
        super().__init__(**kwargs)
        for argument, network in (("generator", generator), ("discriminator", discriminator)):
            if not isinstance(network, keras.Model) or not network.built:
                raise ValueError(f"GANTrainer: `{argument}` must be a built keras.Model; got "
                                 f"{network!r}")
        if int(d_steps) != d_steps or d_steps < 1:
            raise ValueError(f"GANTrainer: `d_steps` must be an integer >= 1; got {d_steps!r}")
        if int(adversarial_start_step) != adversarial_start_step or adversarial_start_step < 0:
            raise ValueError("GANTrainer: `adversarial_start_step` must be an integer >= 0; "
                             f"got {adversarial_start_step!r}")
        if ema_decay is not None and not 0.0 < float(ema_decay) < 1.0:
            raise ValueError(f"GANTrainer: `ema_decay` must be in (0, 1) or None; got "
                             f"{ema_decay!r}")
        self.generator = generator
        self.discriminator = discriminator
        self.d_steps = int(d_steps)
        self.adversarial_start_step = int(adversarial_start_step)
        self.ema_decay = ema_decay
        self.step_counter = self.add_weight(shape=(), dtype="int32", initializer="zeros",
                                            trainable=False, name="gan_step")
        self.ema_weights = []
        if ema_decay is not None:
            for i, variable in enumerate(generator.trainable_variables):
                shadow = self.add_weight(shape=variable.shape, dtype=variable.dtype,
                                         initializer="zeros", trainable=False, name=f"ema_{i}")
                shadow.assign(ops.copy(variable.value))  # own buffer (JAX donation)
                self.ema_weights.append(shadow)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.term_trackers = {}
        self.composite = None
        self.content_loss = None
        self.d_optimizer = None
        self._evaluating = False
        self.built = True

    # ---------------------------------------------------------------- set-up
    def compile(self, generator_optimizer="adam", discriminator_optimizer="adam", loss=None,
                metrics=None, **kwargs):
        """Set both optimizers, the composite loss (with an adversarial term) and metrics.

        Args:
            generator_optimizer: optimizer or its name for the generator.
            discriminator_optimizer: optimizer or its name for the discriminator.
            loss: ``CompositeLoss``, its terms dict, or a YAML/JSON path; default
                ``keras_sr.losses.ESRGAN_LOSS`` (downloads VGG19 ImageNet weights).
            metrics: metrics on ``(hr, sr)`` (e.g. ``[keras_sr.metrics.PSNR()]``).
            **kwargs: passed to ``keras.Model.compile`` (``jit_compile``, ``run_eagerly``...).
        """
        if loss is None:
            from keras_sr.losses import ESRGAN_LOSS

            loss = ESRGAN_LOSS
        composite = loss if isinstance(loss, CompositeLoss) else CompositeLoss(loss)
        if composite.adversarial is None:
            raise ValueError("GANTrainer.compile: `loss` has no adversarial term; add e.g. "
                             "{'gan': {'weight': 0.005, 'kind': 'relativistic'}} (terms: "
                             f"{list(composite.losses)})")
        self.composite = composite
        label = composite.adversarial[0]
        self.content_loss = (composite.without_adversarial() if len(composite.losses) > 1
                             else None)
        super().compile(optimizer=generator_optimizer, loss=self.content_loss,
                        metrics=metrics, **kwargs)
        self.d_optimizer = keras.optimizers.get(discriminator_optimizer)
        if not self.optimizer.built:
            self.optimizer.build(self.generator.trainable_variables)
        if not self.d_optimizer.built:
            self.d_optimizer.build(self.discriminator.trainable_variables)
        for name in composite.losses:
            if name not in self.term_trackers:
                self.term_trackers[name] = keras.metrics.Mean(name=f"{name}_loss")
        self._adversarial_label = label

    @property
    def non_trainable_variables(self):
        # The discriminator's optimizer state travels with the model state, so the JAX
        # trainer (which only knows `self.optimizer`) carries and syncs it too.
        variables = list(super().non_trainable_variables)
        if self.d_optimizer is not None and self.d_optimizer.built:
            variables += list(self.d_optimizer.variables)
        return variables

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    # ---------------------------------------------------------------- train step
    def train_step(self, *args):
        if self.composite is None:
            raise RuntimeError("GANTrainer: call compile(...) before fit")
        backend = keras.backend.backend()
        if backend == "jax":
            return self._jax_train_step(*args)
        if backend == "tensorflow":
            return self._tf_train_step(*args)
        raise NotImplementedError(f"GANTrainer: backend {backend!r} is not supported; use "
                                  "tensorflow or jax")

    @staticmethod
    def _unpack(data):
        lr, hr, _ = keras.utils.unpack_x_y_sample_weight(data)
        if hr is None:
            raise ValueError("GANTrainer: training data must be (lr, hr) pairs; got no target")
        return lr, hr

    def _tf_train_step(self, data):
        import tensorflow as tf

        lr, hr = self._unpack(data)
        generator, discriminator = self.generator, self.discriminator
        label, _, adversarial = self.composite.adversarial
        active = self.step_counter >= self.adversarial_start_step
        sr = tf.stop_gradient(generator(lr, training=True))

        def discriminator_update():
            loss = tf.constant(0.0)
            for _ in range(self.d_steps):
                with tf.GradientTape() as tape:
                    real = discriminator(hr, training=True)
                    fake = discriminator(sr, training=True)
                    loss = ops.mean(adversarial.discriminator(real, fake))
                grads = tape.gradient(loss, discriminator.trainable_variables)
                self.d_optimizer.apply_gradients(zip(grads, discriminator.trainable_variables))
            return ops.cast(loss, "float32")

        if self.adversarial_start_step:
            d_loss = tf.cond(active, discriminator_update, lambda: tf.constant(0.0))
        else:
            d_loss = discriminator_update()

        with tf.GradientTape() as tape:
            sr = generator(lr, training=True)
            fake = discriminator(sr, training=True)
            real = tf.stop_gradient(discriminator(hr, training=True))
            terms = self.composite.weighted_terms(hr, sr, real_logits=real, fake_logits=fake)
            if self.adversarial_start_step:
                terms[label] = terms[label] * ops.cast(active, "float32")
            total = ops.mean(sum(terms.values()))
        grads = tape.gradient(total, generator.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, generator.trainable_variables))
        if self.ema_weights:
            decay = float(self.ema_decay)
            for shadow, variable in zip(self.ema_weights, generator.trainable_variables):
                shadow.assign(decay * shadow + (1.0 - decay) * variable)
        self.step_counter.assign_add(1)
        return self._update_trackers(total, d_loss, terms, hr, sr)

    def _jax_train_step(self, state, data):
        import jax

        trainable, non_trainable, g_opt_values, metrics_values = state
        lr, hr = self._unpack(data)
        generator, discriminator = self.generator, self.discriminator
        label, _, adversarial = self.composite.adversarial
        t_index = {id(v): i for i, v in enumerate(self.trainable_variables)}
        n_index = {id(v): i for i, v in enumerate(self.non_trainable_variables)}
        g_t = _pick(trainable, t_index, generator.trainable_variables)
        g_n = _pick(non_trainable, n_index, generator.non_trainable_variables)
        d_t = _pick(trainable, t_index, discriminator.trainable_variables)
        d_n = _pick(non_trainable, n_index, discriminator.non_trainable_variables)
        d_o = _pick(non_trainable, n_index, self.d_optimizer.variables)
        step = non_trainable[n_index[id(self.step_counter)]]
        active = step >= self.adversarial_start_step

        sr, _ = generator.stateless_call(g_t, g_n, lr, training=True)
        sr = jax.lax.stop_gradient(sr)

        def d_loss_fn(d_t, d_n):
            real, d_n = discriminator.stateless_call(d_t, d_n, hr, training=True)
            fake, d_n = discriminator.stateless_call(d_t, d_n, sr, training=True)
            return ops.mean(adversarial.discriminator(real, fake)), d_n

        d_grad_fn = jax.value_and_grad(d_loss_fn, has_aux=True)

        def discriminator_update(carry):
            d_t, d_n, d_o = carry
            loss = ops.zeros((), "float32")
            for _ in range(self.d_steps):
                (loss, d_n), grads = d_grad_fn(d_t, d_n)
                d_t, d_o = self.d_optimizer.stateless_apply(d_o, grads, d_t)
            return (list(d_t), list(d_n), list(d_o)), ops.cast(loss, "float32")

        carry = (list(d_t), list(d_n), list(d_o))
        if self.adversarial_start_step:
            carry, d_loss = jax.lax.cond(active, discriminator_update,
                                         lambda c: (c, ops.zeros((), "float32")), carry)
        else:
            carry, d_loss = discriminator_update(carry)
        d_t, d_n, d_o = carry

        def g_loss_fn(g_t, g_n, d_n):
            sr, g_n = generator.stateless_call(g_t, g_n, lr, training=True)
            fake, d_n = discriminator.stateless_call(d_t, d_n, sr, training=True)
            real, d_n = discriminator.stateless_call(d_t, d_n, hr, training=True)
            real = jax.lax.stop_gradient(real)
            terms = self.composite.weighted_terms(hr, sr, real_logits=real, fake_logits=fake)
            if self.adversarial_start_step:
                terms[label] = terms[label] * ops.cast(active, "float32")
            return ops.mean(sum(terms.values())), (terms, g_n, d_n, sr)

        (total, (terms, g_n, d_n, sr)), grads = jax.value_and_grad(g_loss_fn, has_aux=True)(
            g_t, g_n, d_n)
        g_t, g_opt_values = self.optimizer.stateless_apply(g_opt_values, grads, g_t)

        trainable, non_trainable = list(trainable), list(non_trainable)
        _put(trainable, t_index, generator.trainable_variables, g_t)
        _put(trainable, t_index, discriminator.trainable_variables, d_t)
        _put(non_trainable, n_index, generator.non_trainable_variables, g_n)
        _put(non_trainable, n_index, discriminator.non_trainable_variables, d_n)
        _put(non_trainable, n_index, self.d_optimizer.variables, d_o)
        if self.ema_weights:
            decay = float(self.ema_decay)
            shadows = _pick(non_trainable, n_index, self.ema_weights)
            _put(non_trainable, n_index, self.ema_weights,
                 [decay * s + (1.0 - decay) * w for s, w in zip(shadows, g_t)])
        non_trainable[n_index[id(self.step_counter)]] = step + 1

        mapping = list(zip(self.metrics_variables, metrics_values))
        with keras.StatelessScope(state_mapping=mapping) as scope:
            logs = self._update_trackers(total, d_loss, terms, hr, sr)
        new_metrics = []
        for variable in self.metrics_variables:
            value = scope.get_current_value(variable)
            new_metrics.append(variable.value if value is None else value)
        return logs, (trainable, non_trainable, g_opt_values, new_metrics)

    @property
    def loss_tracker(self):
        """The compiled ``loss`` metric (the generator's total), from the public ``metrics``."""
        return next(metric for metric in self.metrics if metric.name == "loss")

    def _update_trackers(self, total, d_loss, terms, hr, sr):
        self.loss_tracker.update_state(total)
        self.d_loss_tracker.update_state(d_loss)
        for name, value in terms.items():
            self.term_trackers[name].update_state(ops.mean(value))
        return self.compute_metrics(None, hr, sr)   # compiled metrics, then the results

    # ---------------------------------------------------------------- evaluation
    def test_step(self, *args):
        self._evaluating = True
        try:
            return super().test_step(*args)
        finally:
            self._evaluating = False

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        if self._evaluating and self.content_loss is not None:
            for name, value in self.content_loss.weighted_terms(y, y_pred).items():
                self.term_trackers[name].update_state(ops.mean(value))
        return super().compute_metrics(x, y, y_pred, sample_weight)

    def get_metrics_result(self):
        results = super().get_metrics_result()
        if self._evaluating:
            results.pop("d_loss", None)
            results.pop(f"{self._adversarial_label}_loss", None)
        return results

    # ---------------------------------------------------------------- EMA, config
    def ema_generator(self):
        """A copy of the generator holding the EMA weights (needs ``ema_decay``)."""
        if not self.ema_weights:
            raise ValueError("GANTrainer.ema_generator: the trainer was built with "
                             "ema_decay=None; pass e.g. ema_decay=0.999")
        clone = keras.models.clone_model(self.generator)
        clone.set_weights(self.generator.get_weights())
        for variable, shadow in zip(clone.trainable_variables, self.ema_weights):
            variable.assign(np.array(shadow.value))  # a copy: JAX may donate buffers
        return clone

    def get_config(self):
        return {"name": self.name, "d_steps": self.d_steps,
                "adversarial_start_step": self.adversarial_start_step,
                "ema_decay": self.ema_decay,
                "generator": keras.saving.serialize_keras_object(self.generator),
                "discriminator": keras.saving.serialize_keras_object(self.discriminator)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["generator"] = keras.saving.deserialize_keras_object(config["generator"])
        config["discriminator"] = keras.saving.deserialize_keras_object(config["discriminator"])
        return cls(**config)
