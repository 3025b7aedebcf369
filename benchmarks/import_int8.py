"""int8 TFLite of imported PyTorch checkpoints: the PSNR drop of VDSR x3 and LapSRN x4.

int8 post-training quantization (PTQ: ``export_tflite(quantize="int8-ptq")`` after
``equalize_channel_ranges``, calibrated on 128 LR patches of 32 px from T91, the
defaults of ``keras-sr export --quantize int8-ptq``). PTQ, not QAT: the QAT recipe's
fine-tuning (24 epochs of 32,768 patches) of these 20-layer 64-channel networks does not
fit this project's 2-core CPU.

VDSR is exported without its in-graph bicubic upscaling (``vdsr(pre_upsampled=True)``,
the PyTorch model's own interface): the int8 converter quantizes the float shape
arithmetic of the MATLAB ``Resize`` layer, so a dynamic-size int8 graph gives the
calibration size for every input. The bicubic upscaling stays float, outside.

Scores: ``keras_sr.inference.evaluate`` (VDSR: bicubic then the int8 body) and
``keras_sr.export.verify_tflite`` (LapSRN), the published protocol on Set5.
Results: ``benchmarks/results/import_int8.json``.

    KERAS_SR_DATA=../shared/datasets python benchmarks/import_int8.py
"""

import argparse
import datetime
import sys
import tempfile
from pathlib import Path

from results_file import write_result  # benchmarks/ is on sys.path when run as a script

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
sys.path.insert(0, str(REPO))  # this checkout's keras_sr, not another installed copy


def calibration_patches(scale, count=256, size=32, seed=0):
    """LR patches of T91 (the export command's calibration defaults)."""
    from keras_sr.export.patches import load_folders, sample_patches

    lr, _ = sample_patches(load_folders(["T91"]), scale, size, count, channels=1, seed=seed)
    return lr


class BicubicThen:
    """A 1-channel LR -> SR callable: float MATLAB bicubic, then a TFLite VDSR body."""

    channels = 1

    def __init__(self, tflite, scale):
        self.tflite, self.scale = tflite, scale

    def __call__(self, lr):
        import keras
        import numpy as np

        from keras_sr.image import imresize

        upscaled = keras.ops.convert_to_numpy(imresize(lr, scale=self.scale))
        return np.asarray(self.tflite(upscaled.astype("float32")))


def vdsr_int8(checkpoint, scale, dataset, folder):
    import keras

    from keras_sr import models
    from keras_sr.convert import import_checkpoint
    from keras_sr.export import export_tflite
    from keras_sr.image import imresize
    from keras_sr.inference.evaluate import evaluate
    from keras_sr.quantization import equalize_channel_ranges
    from keras_sr.runtime import TFLiteModel

    imported = import_checkpoint(checkpoint, model="vdsr", scale=scale)
    body = models.get("vdsr", scale=scale, pre_upsampled=True, **imported.options)
    body.set_weights(imported.model.get_weights())
    upscaled = keras.ops.convert_to_numpy(imresize(calibration_patches(scale), scale=scale))
    equalized, _ = equalize_channel_ranges(body, upscaled, strength=1.0)
    path = export_tflite(equalized, Path(folder) / f"vdsr_x{scale}_body_int8.tflite",
                         quantize="int8-ptq", representative_data=upscaled[:128],
                         metadata={"model": "vdsr", "note": "input: bicubic-upscaled Y"})
    floating = evaluate(imported.model, dataset, scale, progress=False)
    int8 = evaluate(BicubicThen(TFLiteModel(str(path)), scale), dataset, scale,
                    progress=False)
    return {"model": "vdsr", "scale": scale, "dataset": dataset, "images": int8["images"],
            "quantize": "int8-ptq (body; bicubic upscaling float, outside the graph)",
            "psnr_float": round(floating["psnr_y"], 3), "psnr_int8": round(int8["psnr_y"], 3),
            "ssim_float": round(floating["ssim_y"], 4), "ssim_int8": round(int8["ssim_y"], 4),
            "drop_db": round(floating["psnr_y"] - int8["psnr_y"], 3),
            "tflite_bytes": path.stat().st_size}


def lapsrn_int8(checkpoint, dataset, folder):
    from keras_sr.convert import import_checkpoint
    from keras_sr.data.sets import resolve_dataset
    from keras_sr.export import export_tflite, verify_tflite
    from keras_sr.quantization import equalize_channel_ranges

    imported = import_checkpoint(checkpoint, model="lapsrn", scale=4)
    lr = calibration_patches(4)
    equalized, _ = equalize_channel_ranges(imported.model, lr, strength=1.0)
    path = export_tflite(equalized, Path(folder) / "lapsrn_x4_int8.tflite",
                         quantize="int8-ptq", representative_data=lr[:128],
                         metadata={"model": "lapsrn"})
    result = verify_tflite(path, imported.model, resolve_dataset(dataset), 4)
    return {"model": "lapsrn", "scale": 4, "dataset": dataset, "images": result["images"],
            "quantize": "int8-ptq (whole model, dynamic size)",
            "psnr_float": round(result["psnr_keras"], 3),
            "psnr_int8": round(result["psnr_tflite"], 3),
            "ssim_float": round(result["ssim_keras"], 4),
            "ssim_int8": round(result["ssim_tflite"], 4),
            "drop_db": round(result["psnr_drop"], 3),
            "tflite_bytes": path.stat().st_size}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights-dir", default=str(REPO.parent / "shared" /
                                                      "third_party_weights"))
    parser.add_argument("--dataset", default="Set5")
    parser.add_argument("--out", default=str(RESULTS / "import_int8.json"))
    args = parser.parse_args(argv)
    weights = Path(args.weights_dir)
    with tempfile.TemporaryDirectory() as folder:
        rows = [vdsr_int8(weights / "vdsr_twtygqyy_epoch50.pth", 3, args.dataset, folder),
                lapsrn_int8(weights / "lapsrn_x4_twtygqyy_epoch100.pth", args.dataset,
                            folder)]
    for row in rows:
        print(row)
    write_result(args.out, {"benchmark": "import_int8",
                            "protocol": "Y channel, shave scale px, LR/SR rounded to uint8",
                            "calibration": "equalize_channel_ranges(strength=1) on 256, "
                                           "representative 128 LR patches of 32 px, T91",
                            "date": datetime.date.today().isoformat(), "results": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
