"""Patches per second of the training pipelines (tf.data, PyDataset) and on-device degrading.

Measures, on this machine, for EDSR-baseline x4 patches (48x48 LR, 192x192 HR, batch 16)
with the ``bicubic`` and ``blur-downscale-noise`` degradations:

- ``tf.data``: ``training_dataset`` (TensorFlow backend), ``(lr, hr)`` float batches;
- ``tf.data HR only``: ``hr_patch_dataset``, uint8 HR crops, the LR being made in the
  training step on the accelerator;
- ``PyDataset``: ``TrainingPyDataset`` (TensorFlow backend, eager; and JAX with
  ``jit_compile=True`` in a child process), plus its numpy HR crops alone;
- ``on-device degrade``: the degradation alone on a float HR batch, as the training step
  would run it: the ``Degrade`` layer in a ``tf.function`` and ``degrade`` under
  ``jax.jit`` (here on the CPU: on a GPU it is much faster).

Every row gives patches per wall-clock second and per CPU second of the process (all
threads), with the load average around it: on a shared machine the wall rate depends on
the other jobs, the CPU rate much less. Writes ``benchmarks/results/data_pipeline_<tag>.json``.

The target of issue 5 is ~3,000 patches/s on the 16-core GPU machine for EDSR-baseline x4;
run this script there (``--tag gpu16``) to measure it: numbers from this 2-core machine are
not that number.

Usage:
    python benchmarks/data_pipeline.py [--images DIR] [--seconds 10] [--tag cpu2] [--no-jax]
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from results_file import write_result  # benchmarks/ is on sys.path when run as a script

HERE = Path(__file__).resolve().parent
ORDERS = ("bicubic", "blur-downscale-noise")


def _default_images():
    """BSD200 (481x321: every image fits a 192x192 HR patch) through the library's resolver."""
    from keras_sr.data.sets import resolve_dataset

    try:
        return resolve_dataset("BSD200", download=False)
    except FileNotFoundError:
        return None


def _skimage_folder(folder):
    from PIL import Image
    from skimage import data

    folder.mkdir(parents=True, exist_ok=True)
    for name in ("astronaut", "coffee", "rocket", "chelsea"):
        Image.fromarray(getattr(data, name)()).save(folder / f"{name}.png")
    return folder


def _options(degradation):
    return {"kernel_size": 13} if degradation != "bicubic" else {}


def _rate(next_batch, batch_size, seconds, warmup=3):
    """Patches per wall second and per process-CPU second, and the 1-min load averages."""
    for _ in range(warmup):
        next_batch()
    load_before = os.getloadavg()[0]
    count, start, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        next_batch()
        count += batch_size
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"patches_per_s": round(count / wall, 1),
            "patches_per_cpu_s": round(count / max(cpu, 1e-9), 1),
            "load_avg_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)]}


def _iterate(dataset):
    iterator = iter(dataset)
    return lambda: next(iterator)


def bench_tf_data(folder, degradation, patch, batch, scale, seconds):
    from keras_sr.data.datasets import training_dataset

    data = training_dataset(folder, scale, patch, batch, degradation=degradation,
                            degradation_options=_options(degradation), seed=0)
    return _rate(_iterate(data), batch, seconds)


def bench_tf_data_hr_only(folder, patch, batch, scale, seconds):
    from keras_sr.data.datasets import hr_patch_dataset

    return _rate(_iterate(hr_patch_dataset(folder, scale, patch, batch, seed=0)), batch, seconds)


def _pydataset(folder, degradation, patch, batch, scale, jit_compile=False):
    from keras_sr.data.datasets import TrainingPyDataset

    return TrainingPyDataset(folder, scale, patch, batch, steps_per_epoch=10 ** 6,
                             degradation=degradation, degradation_options=_options(degradation),
                             seed=0, jit_compile=jit_compile)


def bench_pydataset(folder, degradation, patch, batch, scale, seconds, jit_compile=False):
    data = _pydataset(folder, degradation, patch, batch, scale, jit_compile)
    steps = iter(range(10 ** 6))
    return _rate(lambda: data[next(steps)], batch, seconds)


def bench_pydataset_hr_only(folder, patch, batch, scale, seconds):
    data = _pydataset(folder, "bicubic", patch, batch, scale)
    steps = iter(range(10 ** 6))
    return _rate(lambda: data.crops(next(steps)), batch, seconds)


def bench_degrade_on_device(degradation, patch, batch, scale, seconds):
    """The degradation of a float HR batch as a training step would run it (CPU here)."""
    import keras
    import numpy as np

    from keras_sr import degradations
    from keras_sr.layers import Degrade

    side = patch * scale
    hr8 = np.random.default_rng(0).integers(0, 256, (batch, side, side, 3), dtype=np.uint8)
    options = _options(degradation)
    if keras.backend.backend() == "jax":
        import jax

        @jax.jit
        def step(images, seed_pair):
            hr = keras.ops.cast(images, "float32") / 255.0
            return degradations.degrade(hr, scale, degradation,
                                        seed=degradations.SeedStream(seed_pair), **options)

        seeds = iter(range(10 ** 9))
        return _rate(lambda: step(hr8, np.array([0, next(seeds)], np.uint32)).block_until_ready(),
                     batch, seconds)
    import tensorflow as tf

    layer = Degrade(scale, degradation, seed=0, options=options)

    @tf.function
    def step(images):
        return layer(tf.cast(images, tf.float32) / 255.0)

    hr8 = tf.constant(hr8)
    return _rate(lambda: step(hr8).numpy(), batch, seconds)


def _jax_rows(folder, args):
    """Run the JAX rows in a child process (the Keras backend is fixed per process)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--jax-rows-only",
               "--images", str(folder), "--seconds", str(args.seconds),
               "--patch-size", str(args.patch_size), "--batch-size", str(args.batch_size),
               "--scale", str(args.scale)]
    env = dict(os.environ, KERAS_BACKEND="jax")
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("JAX_ROWS "):
            return json.loads(line[len("JAX_ROWS "):])
    print(done.stdout[-2000:], done.stderr[-2000:], file=sys.stderr)
    return [{"pipeline": "JAX rows", "error": f"child process failed (rc {done.returncode})"}]


def _print(row):
    print(f"{row['pipeline']:38s} {row.get('degradation') or '-':22s} "
          f"{row['patches_per_s']:8.1f} patches/s  {row['patches_per_cpu_s']:8.1f} per CPU-s  "
          f"load {row['load_avg_1min']}", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=Path, default=None)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--tag", default="cpu2")
    parser.add_argument("--patch-size", type=int, default=48)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--scale", type=int, default=4)
    parser.add_argument("--no-jax", action="store_true", help="skip the JAX child process")
    parser.add_argument("--jax-rows-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    import keras

    folder = args.images or _default_images() or _skimage_folder(Path("/tmp/keras_sr_bench"))
    shape = (args.patch_size, args.batch_size, args.scale)
    rows = []

    def add(pipeline, degradation, result):
        row = {"pipeline": pipeline, "degradation": degradation, **result}
        rows.append(row)
        _print(row)

    if args.jax_rows_only:
        for degradation in ORDERS:
            add("PyDataset (JAX, jit_compile)", degradation,
                bench_pydataset(folder, degradation, *shape, args.seconds, jit_compile=True))
        for degradation in ORDERS:
            add("on-device degrade: degrade() under jax.jit", degradation,
                bench_degrade_on_device(degradation, *shape, args.seconds))
        print("JAX_ROWS " + json.dumps(rows))
        return 0

    if keras.backend.backend() == "tensorflow":
        for degradation in ORDERS:
            add("tf.data", degradation, bench_tf_data(folder, degradation, *shape, args.seconds))
        add("tf.data HR only (uint8)", None, bench_tf_data_hr_only(folder, *shape, args.seconds))
    add("PyDataset HR only (numpy uint8)", None,
        bench_pydataset_hr_only(folder, *shape, args.seconds))
    for degradation in ORDERS:
        add(f"PyDataset ({keras.backend.backend()} backend, eager)", degradation,
            bench_pydataset(folder, degradation, *shape, args.seconds))
    if keras.backend.backend() == "tensorflow":
        for degradation in ORDERS:
            add("on-device degrade: Degrade layer in tf.function", degradation,
                bench_degrade_on_device(degradation, *shape, args.seconds))
    if not args.no_jax and keras.backend.backend() != "jax":
        for row in _jax_rows(folder, args):
            rows.append(row)
            if "error" not in row:
                _print(row)

    report = {
        "what": "training patches per second, EDSR-baseline x4 shapes",
        "images": str(folder), "backend": keras.backend.backend(),
        "patch_size_lr": args.patch_size, "batch_size": args.batch_size, "scale": args.scale,
        "cpu_count": os.cpu_count(), "machine": platform.platform(),
        "python": sys.version.split()[0], "seconds_per_measure": args.seconds,
        "results": rows,
        "columns": "patches_per_s: wall clock; patches_per_cpu_s: per CPU second of this "
                   "process (all threads); load_avg_1min: before and after the measure",
        "gpu_machine": "not measured here (no GPU machine lent to this session); target "
                       "~3000 patches/s for EDSR-baseline x4 on the 16-core GPU machine: "
                       "run `python benchmarks/data_pipeline.py --tag gpu16` there",
        "note": "the 2-core machine was shared with other jobs while measuring (a training "
                "run and another helper): see the load averages",
    }
    out = HERE / "results" / f"data_pipeline_{args.tag}.json"
    write_result(out, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
