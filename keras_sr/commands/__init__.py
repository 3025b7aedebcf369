"""Sub-commands of the ``keras-sr`` command line, one module each (see ``keras_sr.cli``),
and ``result_file``, how they write their ``--json`` results."""
