"""Training: the adversarial trainer (and, from the data helper, the fit driver)."""

from keras_sr.training.callbacks import (Checkpoint, ImageGrid, NaNGuard, Validation,
                                         plot_learning_curves)
from keras_sr.training.config import ConfigError, read_config
from keras_sr.training.gan import GANTrainer
from keras_sr.training.trainer import train

__all__ = ["GANTrainer", "train", "read_config", "ConfigError", "Validation",
           "Checkpoint", "NaNGuard", "ImageGrid", "plot_learning_curves"]
