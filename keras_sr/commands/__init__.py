"""Sub-commands of the ``keras-sr`` command line, one module each (see ``keras_sr.cli``)."""
