"""Training: the adversarial trainer (and, from the data helper, the fit driver)."""

from keras_sr.training.gan import GANTrainer

__all__ = ["GANTrainer"]
