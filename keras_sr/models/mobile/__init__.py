"""Mobile models: PlainSR, plain 3x3 convs trained re-parameterized (int8-native)."""

from keras_sr.models.mobile.plainsr import (plainsr, plainsr_large, plainsr_medium,
                                            plainsr_small, plainsr_wide)
from keras_sr.models.mobile.rep_conv import RepConv3x3
from keras_sr.models.mobile.reparameterize import rep_layers, reparameterize

__all__ = ["RepConv3x3", "plainsr", "plainsr_large", "plainsr_medium", "plainsr_small",
           "plainsr_wide", "rep_layers", "reparameterize"]
