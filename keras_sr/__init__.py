"""keras_sr: single-image super resolution with Keras 3, from data to phone.

Sub-packages are imported on demand (``keras_sr.models``, ``keras_sr.losses``,
``keras_sr.metrics``, ``keras_sr.data``, ...) so that ``import keras_sr`` stays cheap.
"""

__version__ = "0.1.0"
