package dev.kerassr.demo

import android.content.Context
import android.graphics.Bitmap
import kerassr.core.DType
import kerassr.core.FloatImage
import kerassr.core.ModelSpec
import kerassr.core.TensorCodec
import kerassr.core.Upscaler
import org.tensorflow.lite.Interpreter
import org.tensorflow.lite.gpu.CompatibilityList
import org.tensorflow.lite.gpu.GpuDelegate
import java.io.FileInputStream
import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.nio.channels.FileChannel

/**
 * Runs the bundled keras_sr model (assets/model.tflite + model.json) with the LiteRT
 * Interpreter: GPU delegate when the device supports it, CPU (XNNPack) otherwise.
 * RGB models see the photo; Y models (sidecar `channels: 1`) see its Y channel and the
 * chroma is upscaled bicubically. All pixel/colour/tensor/tiling logic is in the tested
 * :core module.
 */
class SrEngine(context: Context) : AutoCloseable {
    val spec: ModelSpec = ModelSpec.fromJson(context.assets.open("model.json").reader().readText())
    private var gpu: GpuDelegate? = null
    val interpreter: Interpreter
    val backend: String

    init {
        Upscaler.requireSupported(spec)
        val model = context.assets.openFd("model.tflite").use { fd ->
            FileInputStream(fd.fileDescriptor).channel.map(
                FileChannel.MapMode.READ_ONLY, fd.startOffset, fd.declaredLength)
        }
        var created: Interpreter? = null
        var name = "CPU"
        val compat = CompatibilityList()
        if (compat.isDelegateSupportedOnThisDevice) {
            try {
                val delegate = GpuDelegate(compat.bestOptionsForThisDevice)
                created = Interpreter(model, Interpreter.Options().addDelegate(delegate))
                gpu = delegate
                name = "GPU"
            } catch (e: Exception) { // some int8 graphs or drivers are refused: fall back
                gpu?.close()
                gpu = null
            }
        }
        interpreter = created ?: Interpreter(model, Interpreter.Options().setNumThreads(4))
        backend = name
    }

    /** Upscales [bitmap]; [onTile] reports (done, total) for a progress line. */
    fun upscale(bitmap: Bitmap, onTile: (Int, Int) -> Unit): Bitmap {
        val w = bitmap.width
        val h = bitmap.height
        val argb = IntArray(w * h)
        bitmap.getPixels(argb, 0, w, 0, 0, w, h)
        val image = FloatImage(h, w, 3, TensorCodec.argbToFloat(argb))
        val sr = Upscaler.upscale(image, spec, { runTile(it) }, onTile)
        val out = TensorCodec.floatToArgb(sr.data)
        return Bitmap.createBitmap(out, sr.width, sr.height, Bitmap.Config.ARGB_8888)
    }

    /** One tile, h x w x spec.channels (RGB or Y), through the interpreter. */
    private fun runTile(tile: FloatImage): FloatImage {
        val c = spec.channels
        if (!spec.fixedSize) {
            interpreter.resizeInput(0, intArrayOf(1, tile.height, tile.width, c))
            interpreter.allocateTensors()
        }
        val encoded = TensorCodec.encodeInput(tile.data, spec.inputDtype, spec.inputQuant)
        val input = ByteBuffer.allocateDirect(encoded.size).order(ByteOrder.LITTLE_ENDIAN)
        input.put(encoded).rewind()
        val outH = tile.height * spec.scale
        val outW = tile.width * spec.scale
        val bytesPerValue = if (spec.outputDtype == DType.FLOAT32) 4 else 1
        val output = ByteBuffer.allocateDirect(outH * outW * c * bytesPerValue).order(ByteOrder.LITTLE_ENDIAN)
        interpreter.run(input, output)
        val raw = ByteArray(output.capacity())
        output.rewind()
        output.get(raw)
        return FloatImage(outH, outW, c, TensorCodec.decodeOutput(raw, spec.outputDtype, spec.outputQuant))
    }

    override fun close() {
        interpreter.close()
        gpu?.close()
    }
}
