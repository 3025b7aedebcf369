"""Iterative up-and-down models: features travel between resolutions several times."""

from keras_sr.models.iterative.dbpn import dbpn, dbpn_small
from keras_sr.models.iterative.hourglass import hourglass

__all__ = ["dbpn", "dbpn_small", "hourglass"]
