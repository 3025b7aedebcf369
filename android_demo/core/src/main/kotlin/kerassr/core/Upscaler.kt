package kerassr.core

/**
 * Chooses the path for a model from its sidecar: RGB models (channels 3) see the photo,
 * Y models (channels 1, the shipped ESPCN, FSRCNN and PlainSR weights) see its Y channel
 * with chroma upscaled bicubically ([YCbCr.upscaleLuma]). Tile size, overlap and fixed
 * input size come from [ModelSpec].
 */
object Upscaler {
    /**
     * Throws [IllegalArgumentException] unless [spec] is an RGB model (3 channels) or a Y
     * model (1 channel): the app calls it before loading the model.
     */
    fun requireSupported(spec: ModelSpec) {
        require((spec.channels == 3 && spec.colorSpace == "rgb") || (spec.channels == 1 && spec.colorSpace == "y")) {
            "unsupported model: channels=${spec.channels}, colour space '${spec.colorSpace}'; " +
                    "expected RGB with 3 channels or Y with 1"
        }
    }

    /**
     * Upscales [image] with [model].
     *
     * @param image HxWx3 RGB floats in [0, 1] (e.g. from [TensorCodec.argbToFloat]).
     * @param model runs on one h x w x spec.channels tile and returns
     *   (h*scale) x (w*scale) x spec.channels.
     * @param onTile called after each tile with (done, total).
     * @return (H*scale) x (W*scale) x 3 RGB floats, not clipped ([TensorCodec.floatToArgb] clips).
     * @throws IllegalArgumentException when [requireSupported] does.
     */
    fun upscale(
        image: FloatImage, spec: ModelSpec, model: (FloatImage) -> FloatImage,
        onTile: (Int, Int) -> Unit = { _, _ -> }
    ): FloatImage {
        require(image.channels == 3) { "image has ${image.channels} channels, expected 3 (RGB)" }
        requireSupported(spec)
        return if (spec.channels == 1)
            YCbCr.upscaleLuma(image, spec.scale, spec.tile, spec.overlap, spec.fixedSize, model, onTile)
        else Tiling.upscaleTiled(image, spec.scale, spec.tile, spec.overlap, spec.fixedSize, model, onTile)
    }
}
