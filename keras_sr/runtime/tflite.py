"""``TFLiteModel``: a ``.tflite`` SR model as a callable on float batches (ai-edge-litert)."""

from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter

from keras_sr.runtime.sidecar import read_sidecar


class TFLiteModel:
    """Run a ``.tflite`` SR model like a Keras model: ``(1, h, w, c)`` float -> float.

    The input is resized when its height / width change (dynamic models); int8 / uint8
    inputs and outputs are quantized and dequantized with the tensors' own scale and
    zero point, so callers always see float32 images in [0, 1]. When the file's sidecar
    has ``size_multiple`` (a dynamic ``plainsr_wide`` export: its pad and crop left out
    of the graph, ``keras_sr.export.size_adapters``), the image is padded to that
    multiple with the model's own mode and the result cropped back, so any size works
    and the outputs are the Keras model's.

    Args:
        path: str or Path of the ``.tflite`` file.
        num_threads: int or None, CPU threads of the interpreter.

    Example:
        >>> model = TFLiteModel("espcn_x3_int8.tflite")   # doctest: +SKIP
        >>> sr = model(lr[None])                            # doctest: +SKIP
    """

    def __init__(self, path, num_threads=None):
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"TFLiteModel: no such .tflite file: {self.path}")
        self.num_threads = num_threads
        adapters = (read_sidecar(self.path, missing_ok=True) or {}).get("size_multiple")
        self.size_multiple = int(adapters["multiple"]) if adapters else 1
        self.pad_mode = adapters["pad_mode"] if adapters else None
        try:
            self.interpreter = Interpreter(model_path=str(self.path), num_threads=num_threads)
            if self.size_multiple > 1:  # a 1x1 placeholder size would not prepare
                details = self.interpreter.get_input_details()[0]
                side = self.size_multiple
                self.interpreter.resize_tensor_input(
                    details["index"], [1, side, side, int(details["shape"][-1])],
                    strict=False)
            self.interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as error:
            raise ValueError(f"TFLiteModel: {self.path} is not a valid .tflite file "
                             f"({str(error).splitlines()[0]})") from None
        self._input = self.interpreter.get_input_details()[0]
        self._output = self.interpreter.get_output_details()[0]
        self._shape = tuple(self._input["shape"])
        signature = self._input.get("shape_signature", self._input["shape"])
        self.dynamic = bool(np.any(np.asarray(signature) < 0))
        self.name = self.path.stem

    @property
    def channels(self):
        """Number of input channels (1 for Y models, 3 for RGB)."""
        return int(self._input["shape"][-1])

    @property
    def input_shape(self):
        """Input shape like Keras' ``model.input_shape`` (None for dynamic dims)."""
        signature = self._input.get("shape_signature", self._input["shape"])
        return tuple(None if int(v) < 0 else int(v) for v in signature)

    @property
    def input_dtype(self):
        return np.dtype(self._input["dtype"]).name

    @property
    def output_dtype(self):
        return np.dtype(self._output["dtype"]).name

    def _resize(self, shape):
        if shape == self._shape:
            return
        if not self.dynamic:
            raise ValueError(f"TFLiteModel {self.path.name}: fixed input shape "
                             f"{self._shape}; got a batch of shape {shape} (export with a "
                             "dynamic size or tile the image to this size)")
        self.interpreter.resize_tensor_input(self._input["index"], shape, strict=False)
        self.interpreter.allocate_tensors()
        self._input = self.interpreter.get_input_details()[0]
        self._output = self.interpreter.get_output_details()[0]
        self._shape = shape

    @staticmethod
    def _quantize(x, details):
        dtype = np.dtype(details["dtype"])
        if dtype == np.float32:
            return x.astype("float32")
        scale, zero_point = details["quantization"]
        info = np.iinfo(dtype)
        q = np.round(x / scale + zero_point)
        return np.clip(q, info.min, info.max).astype(dtype)

    @staticmethod
    def _dequantize(y, details):
        if np.dtype(details["dtype"]) == np.float32:
            return y.astype("float32")
        scale, zero_point = details["quantization"]
        return ((y.astype("float32") - zero_point) * scale).astype("float32")

    def __call__(self, batch):
        """Upscale ``batch`` ``(1, h, w, c)`` float32 in [0, 1] -> ``(1, h*s, w*s, c)``."""
        x = np.asarray(batch, dtype="float32")
        if x.ndim != 4 or x.shape[0] != 1 or x.shape[-1] != self.channels:
            raise ValueError(f"TFLiteModel {self.path.name}: expected a (1, h, w, "
                             f"{self.channels}) batch; got shape {x.shape}")
        height, width = x.shape[1:3]
        if self.size_multiple > 1:
            m = self.size_multiple
            x = np.pad(x, [(0, 0), (0, -height % m), (0, -width % m), (0, 0)],
                       mode=self.pad_mode)
        self._resize(tuple(int(v) for v in x.shape))
        self.interpreter.set_tensor(self._input["index"], self._quantize(x, self._input))
        self.interpreter.invoke()
        y = self._dequantize(self.interpreter.get_tensor(self._output["index"]), self._output)
        if self.size_multiple > 1:
            scale = y.shape[1] // x.shape[1]
            y = y[:, :height * scale, :width * scale]
        return y

    predict = __call__
