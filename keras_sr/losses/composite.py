"""``CompositeLoss``: ``total = sum_i w_i * loss_i`` from a dict or a YAML/JSON file.

Terms are given as ``{label: weight}`` (the label names the loss, see
``keras_sr.losses.get``) or ``{label: {"weight": w, "loss": name, **kwargs}}`` where
``"loss"`` defaults to the label, so one loss can appear twice under two labels. ESRGAN::

    CompositeLoss({"l1": 0.01,
                   "content": {"weight": 1.0, "layers": "block5_conv4"},
                   "gan": {"weight": 0.005, "kind": "relativistic"}})

An adversarial term (``"gan"``) needs the discriminator: only
``keras_sr.training.GANTrainer`` computes it.

Each weighted term reaches the ``fit`` History (and so TensorBoard) through
``term_metrics()``, one ``keras.metrics.Mean`` per term named ``<label>_loss``::

    model.compile(optimizer, loss=composite, metrics=composite.term_metrics())

They recompute their term (a second VGG pass for content terms); the trainer logs its
terms without that cost.
"""

import json
from pathlib import Path

import keras
from keras import ops

from keras_sr.losses.adversarial import AdversarialLoss


def read_loss_config(path):
    """``{label: weight | dict}`` from a ``.json``, ``.yaml`` or ``.yml`` file.

    The mapping may be the whole file or sit under a top-level ``losses`` key.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"CompositeLoss: loss config file {str(path)!r} does not exist")
    text = path.read_text()
    if path.suffix.lower() == ".json":
        config = json.loads(text)
    elif path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        config = yaml.safe_load(text)
    else:
        raise ValueError(f"CompositeLoss: loss config {str(path)!r} must end in .json, .yaml "
                         f"or .yml; got suffix {path.suffix!r}")
    if isinstance(config, dict) and isinstance(config.get("losses"), dict):
        config = config["losses"]
    if not isinstance(config, dict) or not config:
        raise ValueError(f"CompositeLoss: {str(path)!r} must hold a non-empty mapping "
                         "{name: weight or {weight: ..., ...}}")
    return config


def _normalise_terms(terms):
    from keras_sr.losses import NAMES

    if isinstance(terms, (str, Path)):
        terms = read_loss_config(terms)
    if not isinstance(terms, dict) or not terms:
        raise ValueError("CompositeLoss: `terms` must be a non-empty dict {name: weight} or a "
                         f"config file path; got {terms!r}")
    normalised = {}
    for label, spec in terms.items():
        if isinstance(spec, (int, float)) and not isinstance(spec, bool):
            spec = {"weight": float(spec)}
        elif isinstance(spec, dict):
            spec = dict(spec)
        else:
            raise ValueError(f"CompositeLoss: term {label!r} must be a weight or a dict with a "
                             f"'weight'; got {spec!r}")
        spec.setdefault("loss", label)
        spec["weight"] = float(spec.get("weight", 1.0))
        if isinstance(spec["loss"], str) and spec["loss"] not in NAMES:
            raise ValueError(f"CompositeLoss: unknown loss {spec['loss']!r} for term {label!r}; "
                             f"expected one of {sorted(NAMES)}")
        normalised[str(label)] = spec
    return normalised


@keras.saving.register_keras_serializable(package="keras_sr")
class CompositeLoss(keras.losses.Loss):
    """Weighted sum of losses, one value per image before the reduction.

    Args:
        terms: dict ``{label: weight}`` / ``{label: {"weight": w, "loss": name,
            **kwargs}}``, or the path of a YAML/JSON file holding it.

    Attributes:
        losses: ``{label: (weight, keras.losses.Loss)}``.
    """

    def __init__(self, terms, reduction="sum_over_batch_size", name="composite", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        from keras_sr.losses import NAMES

        self.terms = _normalise_terms(terms)
        self.losses = {}
        for label, spec in self.terms.items():
            kwargs = {k: v for k, v in spec.items() if k not in ("weight", "loss")}
            loss = spec["loss"]
            if isinstance(loss, str):
                loss = NAMES[loss](name=label, **kwargs)
            elif isinstance(loss, dict):
                loss = keras.losses.deserialize(loss)
            self.losses[label] = (spec["weight"], loss)

    @property
    def adversarial(self):
        """``(label, weight, AdversarialLoss)`` of the adversarial term, or None."""
        for label, (weight, loss) in self.losses.items():
            if isinstance(loss, AdversarialLoss):
                return label, weight, loss
        return None

    def weighted_terms(self, y_true, y_pred, real_logits=None, fake_logits=None):
        """``{label: w * loss}``, each ``(batch,)``.

        Args:
            y_true, y_pred: HR and SR images ``(batch, H, W, C)`` in [0, 1].
            real_logits, fake_logits: D(hr) and D(sr), needed when there is an
                adversarial term.
        """
        values = {}
        for label, (weight, loss) in self.losses.items():
            if isinstance(loss, AdversarialLoss):
                if fake_logits is None:
                    raise ValueError(
                        f"CompositeLoss: term {label!r} is adversarial and needs the "
                        "discriminator; train with keras_sr.training.GANTrainer, or drop it "
                        "with `without_adversarial()`")
                value = loss.generator(real_logits, fake_logits)
            else:
                value = loss.call(y_true, y_pred)
            values[label] = weight * ops.cast(value, "float32")
        return values

    def call(self, y_true, y_pred):
        return sum(self.weighted_terms(y_true, y_pred).values())

    def without_adversarial(self):
        """A ``CompositeLoss`` of the non-adversarial terms (sharing their loss objects)."""
        adversarial = self.adversarial
        if adversarial is None:
            return self
        if len(self.losses) == 1:
            raise ValueError("CompositeLoss: only an adversarial term; nothing is left "
                             "without it")
        clone = object.__new__(type(self))
        keras.losses.Loss.__init__(clone, name=self.name, reduction=self.reduction,
                                   dtype=self.dtype)
        clone.terms = {k: v for k, v in self.terms.items() if k != adversarial[0]}
        clone.losses = {k: v for k, v in self.losses.items() if k != adversarial[0]}
        return clone

    def term_metrics(self, include_adversarial=False):
        """One ``CompositeTermMetric`` per weighted term, for ``compile(metrics=...)``."""
        return [CompositeTermMetric(label, weight, loss, name=f"{label}_loss")
                for label, (weight, loss) in self.losses.items()
                if include_adversarial or not isinstance(loss, AdversarialLoss)]

    def get_config(self):
        config = super().get_config()
        terms = {}
        for label, spec in self.terms.items():
            spec = dict(spec)
            if isinstance(spec["loss"], keras.losses.Loss):
                spec["loss"] = keras.losses.serialize(spec["loss"])
            terms[label] = spec
        config.update({"terms": terms})
        return config


@keras.saving.register_keras_serializable(package="keras_sr")
class CompositeTermMetric(keras.metrics.Mean):
    """Running mean of one weighted term ``weight * loss(y_true, y_pred)`` of a composite.

    Args:
        term: the term's label.
        weight: its weight.
        loss: a ``keras.losses.Loss`` (or its serialised dict) computing one value per image.
    """

    def __init__(self, term, weight, loss, name=None, dtype=None):
        super().__init__(name=name or f"{term}_loss", dtype=dtype)
        if isinstance(loss, dict):
            loss = keras.losses.deserialize(loss)
        self.term = term
        self.weight = float(weight)
        self.loss = loss

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = self.weight * ops.cast(self.loss.call(y_true, y_pred), "float32")
        return super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "term": self.term,
                "weight": self.weight, "loss": keras.losses.serialize(self.loss)}
