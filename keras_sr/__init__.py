"""keras_sr: single-image super resolution with Keras 3, from data to phone.

``import keras_sr`` registers the package's layers, losses, metrics, quantizers and
degradation layers with Keras, so that ``keras.models.load_model(path)`` (safe mode on)
finds them in any ``.keras`` file the package wrote. Models, training, export and
inference are imported on demand (``keras_sr.models``, ``keras_sr.training``, ...).
"""

__version__ = "0.1.0"

from keras_sr import layers, losses, metrics, quantization  # noqa: E402,F401  (registration)
from keras_sr.data import degradations  # noqa: E402,F401  (registration)
