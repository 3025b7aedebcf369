package dev.kerassr.demo

import android.graphics.Bitmap
import android.graphics.BitmapFactory
import android.graphics.ImageDecoder
import android.graphics.Rect
import android.net.Uri
import android.os.Bundle
import android.os.SystemClock
import android.widget.Button
import android.widget.ImageView
import android.widget.SeekBar
import android.widget.TextView
import androidx.activity.result.PickVisualMediaRequest
import androidx.activity.result.contract.ActivityResultContracts
import androidx.appcompat.app.AppCompatActivity
import java.util.concurrent.Executors

/** Pick a photo (or the bundled sample), upscale it, compare with a before/after slider. */
class MainActivity : AppCompatActivity() {
    private val worker = Executors.newSingleThreadExecutor()
    private var engine: SrEngine? = null
    private lateinit var status: TextView
    private lateinit var before: ImageView
    private lateinit var after: ImageView
    private lateinit var slider: SeekBar

    private val picker = registerForActivityResult(ActivityResultContracts.PickVisualMedia()) { uri: Uri? ->
        if (uri != null) process(decode(uri))
    }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContentView(R.layout.activity_main)
        status = findViewById(R.id.status)
        before = findViewById(R.id.before)
        after = findViewById(R.id.after)
        slider = findViewById(R.id.slider)
        findViewById<Button>(R.id.pick).setOnClickListener {
            picker.launch(PickVisualMediaRequest(ActivityResultContracts.PickVisualMedia.ImageOnly))
        }
        findViewById<Button>(R.id.sample).setOnClickListener {
            process(assets.open("sample.png").use { BitmapFactory.decodeStream(it) })
        }
        slider.setOnSeekBarChangeListener(object : SeekBar.OnSeekBarChangeListener {
            override fun onProgressChanged(bar: SeekBar, value: Int, fromUser: Boolean) = clipAfter()
            override fun onStartTrackingTouch(bar: SeekBar) = Unit
            override fun onStopTrackingTouch(bar: SeekBar) = Unit
        })
        after.addOnLayoutChangeListener { _, _, _, _, _, _, _, _, _ -> clipAfter() }
        worker.execute {
            val result = runCatching { SrEngine(this) }
            runOnUiThread {
                result.onSuccess {
                    engine = it
                    status.text = "model x${it.spec.scale}, ${it.spec.inputDtype.jsonName} IO, " +
                        "tile ${it.spec.tile}/${it.spec.overlap}, ${it.backend}"
                }.onFailure { status.text = "cannot load the model: ${it.message}" }
            }
        }
    }

    private fun decode(uri: Uri): Bitmap {
        val source = ImageDecoder.createSource(contentResolver, uri)
        return ImageDecoder.decodeBitmap(source) { decoder, _, _ ->
            decoder.allocator = ImageDecoder.ALLOCATOR_SOFTWARE // getPixels needs a CPU bitmap
        }.copy(Bitmap.Config.ARGB_8888, false)
    }

    private fun process(input: Bitmap) {
        val sr = engine ?: run { status.text = "the model is not loaded yet"; return }
        // "before": the input enlarged by the platform's bilinear filter, same size as "after"
        before.setImageBitmap(Bitmap.createScaledBitmap(input, input.width * sr.spec.scale,
            input.height * sr.spec.scale, true))
        after.setImageDrawable(null)
        worker.execute {
            val start = SystemClock.elapsedRealtime()
            val result = runCatching {
                sr.upscale(input) { done, total -> runOnUiThread { status.text = "tile $done / $total" } }
            }
            val ms = SystemClock.elapsedRealtime() - start
            runOnUiThread {
                result.onSuccess {
                    after.setImageBitmap(it)
                    clipAfter()
                    status.text = "${input.width}x${input.height} -> ${it.width}x${it.height} " +
                        "in $ms ms on ${sr.backend}"
                }.onFailure { status.text = "upscaling failed: ${it.message}" }
            }
        }
    }

    /** Shows the model output only left of the slider. */
    private fun clipAfter() {
        val x = after.width * slider.progress / slider.max
        after.clipBounds = Rect(0, 0, x, after.height)
    }

    override fun onDestroy() {
        worker.shutdown()
        engine?.close()
        super.onDestroy()
    }
}
