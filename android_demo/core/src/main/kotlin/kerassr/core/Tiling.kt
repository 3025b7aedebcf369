package kerassr.core

/** A float image, HxWxC row-major (channel fastest). */
class FloatImage(val height: Int, val width: Int, val channels: Int, val data: FloatArray) {
    init {
        require(data.size == height * width * channels) {
            "data has ${data.size} values, expected height*width*channels = ${height * width * channels}"
        }
    }

    /** The crop [y, y+h) x [x, x+w), padded by edge replication up to padH x padW. */
    fun crop(y: Int, x: Int, h: Int, w: Int, padH: Int = h, padW: Int = w): FloatImage {
        val out = FloatArray(padH * padW * channels)
        for (i in 0 until padH) {
            val sy = y + minOf(i, h - 1)
            for (j in 0 until padW) {
                val sx = x + minOf(j, w - 1)
                System.arraycopy(data, (sy * width + sx) * channels, out, (i * padW + j) * channels, channels)
            }
        }
        return FloatImage(padH, padW, channels, out)
    }
}

/**
 * Tiled inference for images larger than a model's input: split into overlapping tiles,
 * run each, and blend the outputs with linear ramps across the overlaps (weights sum to
 * one where two tiles meet), so tile borders leave no seams. Same layout and weights as
 * the Python reference in android_demo/core/make_golden.py.
 */
object Tiling {
    /**
     * Start offsets of tiles of size [tile] along [length], sharing [overlap] pixels.
     * Tiles advance by tile - overlap; the last one ends exactly at [length].
     */
    fun tileStarts(length: Int, tile: Int, overlap: Int): IntArray {
        require(tile > 0 && overlap >= 0 && 2 * overlap < tile) {
            "need tile > 0 and 0 <= overlap < tile / 2, got tile=$tile, overlap=$overlap"
        }
        require(length > 0) { "length is $length, expected > 0" }
        if (length <= tile) return intArrayOf(0)
        val starts = ArrayList<Int>()
        var s = 0
        while (s < length - tile) { starts.add(s); s += tile - overlap }
        starts.add(length - tile)
        return starts.toIntArray()
    }

    /** 1-D output weights of each tile: ramps (i + 0.5) / n over the overlaps, 1 elsewhere. */
    fun rampWeights(starts: IntArray, extent: Int, scale: Int): List<DoubleArray> =
        starts.indices.map { k ->
            val n = extent * scale
            val w = DoubleArray(n) { 1.0 }
            if (k > 0) {
                val ramp = (starts[k - 1] + extent - starts[k]) * scale
                for (i in 0 until ramp) w[i] = minOf(w[i], (i + 0.5) / ramp)
            }
            if (k < starts.size - 1) {
                val ramp = (starts[k] + extent - starts[k + 1]) * scale
                for (i in 0 until ramp) w[n - 1 - i] = minOf(w[n - 1 - i], (i + 0.5) / ramp)
            }
            w
        }

    /**
     * Upscales [image] tile by tile.
     *
     * @param model runs on one tile (h x w x C) and returns (h*scale) x (w*scale) x C.
     * @param fixedSize true when the model takes only tile x tile inputs: tiles of smaller
     *   images are padded by edge replication and their outputs cropped.
     * @param onTile called after each tile with (done, total), for progress bars.
     */
    fun upscaleTiled(
        image: FloatImage, scale: Int, tile: Int, overlap: Int, fixedSize: Boolean,
        model: (FloatImage) -> FloatImage, onTile: (Int, Int) -> Unit = { _, _ -> }
    ): FloatImage {
        val c = image.channels
        val ys = tileStarts(image.height, tile, overlap)
        val xs = tileStarts(image.width, tile, overlap)
        val th = minOf(tile, image.height)
        val tw = minOf(tile, image.width)
        val wy = rampWeights(ys, th, scale)
        val wx = rampWeights(xs, tw, scale)
        val outH = image.height * scale
        val outW = image.width * scale
        val acc = DoubleArray(outH * outW * c)
        val norm = DoubleArray(outH * outW)
        var done = 0
        for ((i, y) in ys.withIndex()) for ((j, x) in xs.withIndex()) {
            val patch = if (fixedSize) image.crop(y, x, th, tw, tile, tile) else image.crop(y, x, th, tw)
            val sr = model(patch)
            require(sr.height == patch.height * scale && sr.width == patch.width * scale && sr.channels == c) {
                "model returned ${sr.height}x${sr.width}x${sr.channels} for a ${patch.height}x${patch.width}x$c " +
                        "tile, expected ${patch.height * scale}x${patch.width * scale}x$c"
            }
            for (oy in 0 until th * scale) {
                val row = (y * scale + oy) * outW + x * scale
                for (ox in 0 until tw * scale) {
                    val weight = wy[i][oy] * wx[j][ox]
                    val src = (oy * sr.width + ox) * c
                    for (ch in 0 until c) acc[(row + ox) * c + ch] += sr.data[src + ch] * weight
                    norm[row + ox] += weight
                }
            }
            done++
            onTile(done, ys.size * xs.size)
        }
        val out = FloatArray(acc.size) { (acc[it] / norm[it / c]).toFloat() }
        return FloatImage(outH, outW, c, out)
    }
}
