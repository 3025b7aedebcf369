"""keras_sr: single-image super resolution with Keras 3, from data to phone.

``import keras_sr`` is light: it imports neither TensorFlow nor Keras, so that
``keras-sr --help`` answers at once. Each sub-package is imported on first use, either
explicitly (``import keras_sr.models``) or as an attribute (``keras_sr.models`` after
``import keras_sr``).

The rule for ``.keras`` files: a custom class is known to Keras (safe mode on) once the
module that defines it has been imported.

- ``import keras_sr.models`` registers every layer a keras_sr model is built from
  (``keras_sr.layers``), so it is enough to load any float model the package wrote.
- A model that also holds keras_sr losses or metrics (compiled), int8 fake-quant layers
  or a GAN trainer needs ``keras_sr.losses``, ``keras_sr.metrics``,
  ``keras_sr.quantization`` or ``keras_sr.training.gan`` imported as well;
  :func:`load_model` imports all of them and then loads.
"""

import importlib

__version__ = "0.1.0"

# Sub-packages reachable as attributes of ``keras_sr`` (imported on first access).
SUBPACKAGES = ("image", "degradations", "metrics", "losses", "layers", "models", "data",
               "runtime", "inference", "training", "quantization", "export", "convert",
               "commands")

# Modules that register custom Keras classes (see the rule above).
REGISTERING_MODULES = ("keras_sr.layers", "keras_sr.losses", "keras_sr.metrics",
                       "keras_sr.models", "keras_sr.quantization", "keras_sr.training.gan")


def __getattr__(name):
    """Import ``keras_sr.<name>`` on first access (PEP 562); keeps ``import keras_sr`` light."""
    if name in SUBPACKAGES:
        return importlib.import_module(f"keras_sr.{name}")
    raise AttributeError(f"module 'keras_sr' has no attribute {name!r}")


def register_all():
    """Import every module that registers custom Keras classes (layers, losses, ...).

    Returns:
        The names of the modules imported.

    Example:
        >>> import keras_sr
        >>> keras_sr.register_all()[0]
        'keras_sr.layers'
    """
    for module in REGISTERING_MODULES:
        importlib.import_module(module)
    return list(REGISTERING_MODULES)


def load_model(path, **kwargs):
    """Load any ``.keras`` file keras_sr wrote (``keras.saving.load_model``, safe mode on).

    Args:
        path: the ``.keras`` file.
        **kwargs: passed to ``keras.saving.load_model`` (e.g. ``compile=False``).

    Returns:
        The Keras model.
    """
    register_all()
    import keras  # deferred on purpose: ``import keras_sr`` must not start TensorFlow

    return keras.saving.load_model(path, **kwargs)
