package kerassr.core

/** TFLite affine quantization of one tensor: real = (q - zeroPoint) * scale. */
data class Quantization(val scale: Double, val zeroPoint: Int) {
    companion object {
        /** Float tensors: identity. */
        val NONE = Quantization(1.0, 0)
    }
}

/** Element type of a model input or output tensor. */
enum class DType(val jsonName: String) {
    FLOAT32("float32"), UINT8("uint8"), INT8("int8");

    companion object {
        fun parse(name: String, field: String): DType =
            values().firstOrNull { it.jsonName == name.toLowerCase() }
                ?: throw IllegalArgumentException(
                    "sidecar field '$field' is '$name', expected one of float32, uint8, int8")
    }
}

/**
 * What the app needs to know about an exported model, read from its sidecar JSON
 * (`model.tflite.json`, written by `keras_sr.export.export_tflite`).
 *
 * @property scale upscaling factor (output side = input side * scale).
 * @property channels 3 for RGB models, 1 for models that work on the Y channel.
 * @property colorSpace "rgb" or "y".
 * @property inputHeight fixed input height, or -1 for a dynamic shape.
 * @property tile tile side in input pixels used for large photos.
 * @property overlap input pixels shared by neighbouring tiles.
 */
data class ModelSpec(
    val scale: Int,
    val channels: Int,
    val colorSpace: String,
    val inputDtype: DType,
    val inputQuant: Quantization,
    val outputDtype: DType,
    val outputQuant: Quantization,
    val inputHeight: Int,
    val inputWidth: Int,
    val tile: Int,
    val overlap: Int
) {
    /** True when the model takes only inputHeight x inputWidth inputs (tiles get padded). */
    val fixedSize: Boolean get() = inputHeight > 0 && inputWidth > 0

    companion object {
        const val DEFAULT_TILE = 64
        const val DEFAULT_OVERLAP = 8

        /**
         * Reads a sidecar as `keras_sr.export.sidecar.build_sidecar` writes it: `scale`,
         * `channels`, `colour_space`, nested `input`/`output` objects with `dtype`, `shape`
         * (null for dynamic dims), `quant_scale`, `quant_zero_point`, and
         * `tile: {size, overlap}` where the model sees size + 2 * overlap pixels. That maps
         * to model-input tiles of size + 2 * overlap sharing 2 * overlap pixels; a
         * fixed-size model's own input size wins. Flat keys (`input_dtype`,
         * `input_scale`, `input_zero_point`, `tile_size`, `overlap`) are read too.
         */
        fun fromJson(text: String): ModelSpec {
            val root = Json.parse(text) as? Map<*, *>
                ?: throw IllegalArgumentException("sidecar must be a JSON object")
            val scale = intField(root, "scale") ?: throw IllegalArgumentException("sidecar has no 'scale'")
            val channels = intField(root, "channels") ?: 3
            val colorName = (root["colour_space"] ?: root["color_space"])?.toString()?.toLowerCase()
            val colorSpace = when {
                colorName == null -> if (channels == 1) "y" else "rgb"
                colorName.startsWith("y") -> "y"
                colorName.startsWith("rgb") -> "rgb"
                else -> colorName
            }
            val input = tensorInfo(root, "input")
            val output = tensorInfo(root, "output")
            val tileObj = root["tile"] as? Map<*, *>
            var tile: Int
            var overlap: Int
            if (tileObj != null) {
                val margin = intField(tileObj, "overlap") ?: DEFAULT_OVERLAP / 2
                val core = intField(tileObj, "size") ?: DEFAULT_TILE - 2 * margin
                tile = core + 2 * margin
                overlap = 2 * margin
            } else {
                tile = intField(root, "tile_size") ?: DEFAULT_TILE
                overlap = intField(root, "overlap") ?: DEFAULT_OVERLAP
            }
            if (input.height > 0 && input.width > 0) tile = minOf(input.height, input.width)
            if (2 * overlap >= tile) overlap = (tile - 1) / 2
            if (scale < 1) throw IllegalArgumentException("sidecar 'scale' is $scale, expected >= 1")
            if (channels != 1 && channels != 3)
                throw IllegalArgumentException("sidecar 'channels' is $channels, expected 1 or 3")
            return ModelSpec(scale, channels, colorSpace, input.dtype, input.quant, output.dtype,
                output.quant, input.height, input.width, tile, overlap)
        }

        private class TensorInfo(val dtype: DType, val quant: Quantization, val height: Int, val width: Int)

        private fun tensorInfo(root: Map<*, *>, prefix: String): TensorInfo {
            val nested = root[prefix] as? Map<*, *>
            val dtypeName = (nested?.get("dtype") ?: root["${prefix}_dtype"] ?: "float32").toString()
            val dtype = DType.parse(dtypeName, "$prefix dtype")
            val q = nested?.get("quantization") as? Map<*, *>
            val scale = (nested?.get("quant_scale") ?: q?.get("scale") ?: root["${prefix}_scale"]) as? Double
            val zero = (nested?.get("quant_zero_point") ?: q?.get("zero_point")
                ?: root["${prefix}_zero_point"]) as? Double
            val quant = if (dtype == DType.FLOAT32 || scale == null) Quantization.NONE
            else Quantization(scale, zero?.toInt() ?: 0)
            if (dtype != DType.FLOAT32 && scale == null)
                throw IllegalArgumentException("sidecar $prefix dtype is $dtypeName but has no quantization scale")
            val shape = (nested?.get("shape") ?: root["${prefix}_shape"]) as? List<*>
            val height = (shape?.getOrNull(1) as? Double)?.toInt() ?: -1
            val width = (shape?.getOrNull(2) as? Double)?.toInt() ?: -1
            return TensorInfo(dtype, quant, height, width)
        }

        private fun intField(map: Map<*, *>, key: String): Int? = (map[key] as? Double)?.toInt()
    }
}
