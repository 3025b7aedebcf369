"""Export to TFLite (float32, float16, dynamic-range, int8 PTQ, int8 QAT) and check it.

``export_tflite`` converts and writes the sidecar JSON; ``TFLiteModel`` runs a file with
ai-edge-litert like a Keras model; ``list_ops`` / ``integer_core_problems`` inspect the
flatbuffer; ``verify_tflite`` compares the file with its Keras twin on real images.
"""

from keras_sr.export.converter import IO_TYPES, QUANTIZE_MODES, convert, export_tflite
from keras_sr.export.inspector import integer_core_problems, list_ops, op_counts
from keras_sr.export.sidecar import build_sidecar, read_sidecar, sidecar_path
from keras_sr.export.verify import format_report, verify_tflite
from keras_sr.runtime import TFLiteModel  # re-exported: the runner of exported files

__all__ = ["export_tflite", "convert", "QUANTIZE_MODES", "IO_TYPES", "TFLiteModel",
           "list_ops", "op_counts", "integer_core_problems", "build_sidecar",
           "read_sidecar", "sidecar_path", "verify_tflite", "format_report"]
