"""``verify_tflite``: score a ``.tflite`` file against its Keras twin on real images."""

import numpy as np


def verify_tflite(tflite_path, model, image_dir, scale, max_psnr_drop=None,
                  max_images=None, num_threads=None):
    """Upscale a folder of HR images' bicubic LR with Keras and TFLite; compare the scores.

    Scored by the protocol of the SR tables, ``keras_sr.metrics.protocol``: HR
    modcropped to ``scale``, LR by MATLAB bicubic rounded to 8 bits, SR rounded to 8
    bits, PSNR / SSIM on the Y channel (grey images as they are) with ``scale`` px
    shaved.

    Args:
        tflite_path: the ``.tflite`` file.
        model: the float Keras model it came from (or its QAT twin), or None to score
            the TFLite file alone.
        image_dir: folder of HR images (e.g. ``Set5``).
        scale: int upscaling factor.
        max_psnr_drop: optional float dB; ``passed`` is False when the mean Keras PSNR
            minus the mean TFLite PSNR exceeds it.
        max_images: optional int, score only the first images (sorted by name).
        num_threads: int or None, interpreter threads.

    Returns:
        dict with ``images``, ``psnr_keras``, ``ssim_keras``, ``psnr_tflite``,
        ``ssim_tflite``, ``psnr_drop``, ``ssim_drop``, ``max_psnr_drop``, ``passed`` and
        ``per_image`` (list of dicts).
    """
    from keras_sr.image.io import list_images, read_image
    from keras_sr.runtime import TFLiteModel
    from keras_sr.inference.predict import upscale_array
    from keras_sr.metrics.protocol import score_image

    tflite = TFLiteModel(tflite_path, num_threads=num_threads)
    paths = list_images(image_dir)[:max_images]

    rows = []
    for path in paths:
        hr = read_image(path, mode=None)
        row = {"name": path.name}
        row["psnr_tflite"], row["ssim_tflite"] = score_image(
            hr, scale, lambda lr: upscale_array(tflite, lr, scale=scale))
        if model is not None:
            row["psnr_keras"], row["ssim_keras"] = score_image(
                hr, scale, lambda lr: upscale_array(model, lr, scale=scale))
        rows.append(row)

    def mean(key):
        values = [row[key] for row in rows if key in row]
        return float(np.mean(values)) if values else None

    result = {"tflite": str(tflite_path), "images": len(rows), "scale": scale,
              "psnr_tflite": mean("psnr_tflite"), "ssim_tflite": mean("ssim_tflite"),
              "psnr_keras": mean("psnr_keras"), "ssim_keras": mean("ssim_keras")}
    if model is not None:
        result["psnr_drop"] = result["psnr_keras"] - result["psnr_tflite"]
        result["ssim_drop"] = result["ssim_keras"] - result["ssim_tflite"]
    result["max_psnr_drop"] = max_psnr_drop
    result["passed"] = (max_psnr_drop is None or model is None
                        or result["psnr_drop"] <= max_psnr_drop)
    result["per_image"] = rows
    return result


def format_report(result):
    """Human-readable lines of a :func:`verify_tflite` result."""
    lines = [f"{result['images']} images, x{result['scale']}, Y-channel PSNR / SSIM:"]
    if result["psnr_keras"] is not None:
        lines.append(f"  Keras   {result['psnr_keras']:.3f} dB / {result['ssim_keras']:.4f}")
    lines.append(f"  TFLite  {result['psnr_tflite']:.3f} dB / {result['ssim_tflite']:.4f}")
    if "psnr_drop" in result:
        lines.append(f"  drop    {result['psnr_drop']:.3f} dB / {result['ssim_drop']:.4f}")
    if result["max_psnr_drop"] is not None:
        verdict = "PASS" if result["passed"] else "FAIL"
        lines.append(f"  {verdict}: allowed drop {result['max_psnr_drop']} dB")
    return "\n".join(lines)
