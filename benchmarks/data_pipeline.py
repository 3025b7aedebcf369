"""Patches per second of the training pipelines (tf.data and the numpy PyDataset).

Measures, on this machine, the ``tf.data`` pipeline of ``keras_sr.data.datasets``
(TensorFlow backend) and ``TrainingPyDataset`` for EDSR-baseline x4 patches (48x48 LR,
192x192 HR, batch 16) with the ``bicubic`` and ``blur-downscale-noise`` degradations, and
writes ``benchmarks/results/data_pipeline_<tag>.json``.

The target of issue 5 is ~3,000 patches/s on the 16-core GPU machine for EDSR-baseline x4;
run this script there (``--tag gpu16``) to measure it: numbers from this 2-core machine are
not that number.

Usage:
    python benchmarks/data_pipeline.py [--images DIR] [--seconds 10] [--tag cpu2]
"""

import argparse
import os
import platform
import sys
import time
from pathlib import Path

from results_file import write_result  # benchmarks/ is on sys.path when run as a script

HERE = Path(__file__).resolve().parent


def _default_images():
    for root in (os.environ.get("KERAS_SR_DATA"), HERE.parents[1] / "shared" / "datasets"):
        if root and (Path(root) / "BSD200").is_dir():
            return Path(root) / "BSD200"   # 481x321: every image fits a 192x192 HR patch
    return None


def _skimage_folder(folder):
    from PIL import Image
    from skimage import data

    folder.mkdir(parents=True, exist_ok=True)
    for name in ("astronaut", "coffee", "rocket", "chelsea"):
        Image.fromarray(getattr(data, name)()).save(folder / f"{name}.png")
    return folder


def _rate(iterator, batch_size, seconds, warmup=3):
    for _ in range(warmup):
        next(iterator)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        next(iterator)
        count += batch_size
    return count / (time.perf_counter() - start)


def bench_tf_data(folder, degradation, patch, batch, scale, seconds):
    from keras_sr.data.datasets import training_dataset

    options = {"kernel_size": 13} if degradation != "bicubic" else {}
    data = training_dataset(folder, scale, patch, batch, degradation=degradation,
                            degradation_options=options, seed=0)
    return _rate(iter(data), batch, seconds)


def bench_pydataset(folder, degradation, patch, batch, scale, seconds):
    from keras_sr.data.datasets import TrainingPyDataset

    options = {"kernel_size": 13} if degradation != "bicubic" else {}
    data = TrainingPyDataset(folder, scale, patch, batch, steps_per_epoch=10 ** 6,
                             degradation=degradation, degradation_options=options, seed=0)
    return _rate((data[i] for i in range(10 ** 6)), batch, seconds)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=Path, default=None)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--tag", default="cpu2")
    parser.add_argument("--patch-size", type=int, default=48)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--scale", type=int, default=4)
    args = parser.parse_args(argv)

    import keras

    folder = args.images or _default_images() or _skimage_folder(Path("/tmp/keras_sr_bench"))
    results = []
    for degradation in ("bicubic", "blur-downscale-noise"):
        for name, fn in (("tf.data", bench_tf_data), ("PyDataset", bench_pydataset)):
            if name == "tf.data" and keras.backend.backend() != "tensorflow":
                continue
            rate = fn(folder, degradation, args.patch_size, args.batch_size, args.scale,
                      args.seconds)
            results.append({"pipeline": name, "degradation": degradation,
                            "patches_per_s": round(rate, 1)})
            print(f"{name:10s} {degradation:22s} {rate:8.1f} patches/s", flush=True)

    report = {
        "what": "training patches per second, EDSR-baseline x4 shapes",
        "images": str(folder), "backend": keras.backend.backend(),
        "patch_size_lr": args.patch_size, "batch_size": args.batch_size, "scale": args.scale,
        "cpu_count": os.cpu_count(), "machine": platform.platform(),
        "python": sys.version.split()[0], "seconds_per_measure": args.seconds,
        "results": results,
        "gpu_machine": "not measured here (no GPU machine lent to this session); target "
                       "~3000 patches/s for EDSR-baseline x4 on the 16-core GPU machine: "
                       "run `python benchmarks/data_pipeline.py --tag gpu16` there",
        "note": "the 2-core machine was shared with other jobs while measuring",
    }
    out = HERE / "results" / f"data_pipeline_{args.tag}.json"
    write_result(out, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
