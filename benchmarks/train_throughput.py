"""Training throughput (images/s) of EDSR-baseline: keras_sr against JAX and PyTorch.

The issue's setting: EDSR-baseline x4 (16 residual blocks, 64 channels, RGB), 48x48 LR
patches, batch 64, L1 loss, Adam (lr 1e-4), float32 and mixed bfloat16. Methods, each
timed after warm-up on the same device in the same run:

- ``fit``: ``model.fit`` with ``steps_per_execution=1``, fed by a ``PyDataset`` (the
  loop of ``keras-sr train``).
- ``fit_spe10``: the same with ``steps_per_execution=10``.
- ``pure_jax``: a hand-written EDSR-baseline step (``lax.conv_general_dilated`` NHWC/HWIO,
  optax Adam, one ``jax.jit`` with donated state), same ``lax.scan`` over steps.
- ``torch``: a plain PyTorch EDSR-baseline (channels-last, bf16 autocast,
  ``torch.compile``) when torch is installed; otherwise recorded as skipped.

Keras methods use the backend in ``KERAS_BACKEND``; ``pure_jax`` needs jax and optax.
Results merge into ``benchmarks/results/train_throughput_<device>.json`` (one entry per
backend, method and dtype; a new run replaces its own entries).

Examples::

    KERAS_BACKEND=jax python benchmarks/train_throughput.py            # the issue's setting
    KERAS_BACKEND=jax python benchmarks/train_throughput.py --batch 4 --patch 16 \\
        --steps 10 --num-blocks 4                                     # tiny, for a CPU
"""

import argparse
import json
import os
import platform
import re
import sys
import time
from pathlib import Path

from results_file import write_result  # benchmarks/ is on sys.path when run as a script

import numpy as np

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
DIV2K_RGB_MEAN = (0.4488, 0.4371, 0.4040)
METHODS = ("fit", "fit_spe10", "pure_jax", "torch")
DTYPES = ("float32", "mixed_bfloat16")


def device_name():
    """A short name of the accelerator (or CPU) that JAX (else TF, else platform) sees."""
    try:
        import jax
        device = jax.devices()[0]
        if device.platform != "cpu":
            return str(device.device_kind)
    except ImportError:
        pass
    name = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"cpu {name} x{os.cpu_count()}"


def slug(text):
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:60]


def make_batches(n, batch, patch, scale, seed=0):
    """``n`` random (lr, hr) batches, float32 NHWC in [0, 1]: ``(n, batch, p, p, 3)``."""
    rng = np.random.default_rng(seed)
    lr = rng.random((n, batch, patch, patch, 3), dtype="float32")
    hr = rng.random((n, batch, patch * scale, patch * scale, 3), dtype="float32")
    return lr, hr


def keras_model(args):
    from keras_sr import models
    return models.get("edsr_baseline", scale=args.scale, channels=3,
                      filters=args.filters, num_blocks=args.num_blocks)


def set_policy(dtype):
    import keras
    keras.mixed_precision.set_global_policy(dtype)


def time_fit(args, dtype, steps_per_execution):
    import keras
    set_policy(dtype)
    model = keras_model(args)
    model.compile(keras.optimizers.Adam(1e-4), "mae", steps_per_execution=steps_per_execution)
    lr, hr = make_batches(1, args.batch, args.patch, args.scale)

    class SameBatch(keras.utils.PyDataset):
        """The same host batch ``length`` times, as a data pipeline would hand it over."""

        def __init__(self, length):
            super().__init__()
            self.length = length

        def __len__(self):
            return self.length

        def __getitem__(self, index):
            return lr[0], hr[0]

    warm = max(steps_per_execution, 2)
    model.fit(SameBatch(warm), epochs=1, verbose=0)
    steps = max(steps_per_execution, args.steps // steps_per_execution * steps_per_execution)
    start = time.perf_counter()
    model.fit(SameBatch(steps), epochs=1, verbose=0)
    return steps, time.perf_counter() - start


def _edsr_params(key, args):
    """EDSR-baseline parameters as a dict of HWIO kernels and biases (glorot-uniform)."""
    import jax
    import jax.numpy as jnp
    shapes = [("head", 3, args.filters)]
    for i in range(args.num_blocks):
        shapes += [(f"b{i}a", args.filters, args.filters), (f"b{i}b", args.filters, args.filters)]
    shapes.append(("body_end", args.filters, args.filters))
    stages = 2 if args.scale == 4 else 1
    factor = 2 if args.scale == 4 else args.scale
    for i in range(stages):
        shapes.append((f"up{i}", args.filters, args.filters * factor * factor))
    shapes.append(("tail", args.filters, 3))
    params = {}
    for name, cin, cout in shapes:
        key, sub = jax.random.split(key)
        limit = np.sqrt(6.0 / (9 * cin + 9 * cout))
        params[name] = {"w": jax.random.uniform(sub, (3, 3, cin, cout), jnp.float32,
                                                -limit, limit),
                        "b": jnp.zeros((cout,), jnp.float32)}
    return params, stages, factor


def time_pure_jax(args, dtype):
    import jax
    import jax.numpy as jnp
    import optax
    params, stages, factor = _edsr_params(jax.random.PRNGKey(0), args)
    compute = jnp.bfloat16 if dtype == "mixed_bfloat16" else jnp.float32
    mean = jnp.asarray(DIV2K_RGB_MEAN, jnp.float32)

    def conv(x, p):
        y = jax.lax.conv_general_dilated(x, p["w"].astype(compute), (1, 1), "SAME",
                                         dimension_numbers=("NHWC", "HWIO", "NHWC"))
        return y + p["b"].astype(compute)

    def shuffle(x, r):
        n, h, w, c = x.shape
        x = x.reshape(n, h, w, r, r, c // (r * r))
        return x.transpose(0, 1, 3, 2, 4, 5).reshape(n, h * r, w * r, c // (r * r))

    def forward(p, lr):
        x = (lr - mean).astype(compute)
        head = conv(x, p["head"])
        x = head
        for i in range(args.num_blocks):
            x = x + conv(jax.nn.relu(conv(x, p[f"b{i}a"])), p[f"b{i}b"])
        x = head + conv(x, p["body_end"])
        for i in range(stages):
            x = shuffle(conv(x, p[f"up{i}"]), factor)
        return conv(x, p["tail"]).astype(jnp.float32) + mean

    optimizer = optax.adam(1e-4)

    def step(state, batch):
        p, opt_state = state
        lr, hr = batch
        loss, grads = jax.value_and_grad(lambda q: jnp.mean(jnp.abs(forward(q, lr) - hr)))(p)
        updates, opt_state = optimizer.update(grads, opt_state, p)
        return (optax.apply_updates(p, updates), opt_state), loss

    run = jax.jit(lambda state, lr, hr: jax.lax.scan(step, state, (lr, hr)),
                  donate_argnums=(0,))
    lr, hr = make_batches(args.steps_per_call, args.batch, args.patch, args.scale)
    lr, hr = jnp.asarray(lr), jnp.asarray(hr)
    state = (params, optimizer.init(params))
    state, losses = run(state, lr, hr)
    losses.block_until_ready()
    calls = max(1, args.steps // args.steps_per_call)
    start = time.perf_counter()
    for _ in range(calls):
        state, losses = run(state, lr, hr)
    losses.block_until_ready()
    return calls * args.steps_per_call, time.perf_counter() - start


def time_torch(args, dtype):
    import torch
    from torch import nn

    class Block(nn.Module):
        def __init__(self, f):
            super().__init__()
            self.a, self.b = nn.Conv2d(f, f, 3, padding=1), nn.Conv2d(f, f, 3, padding=1)

        def forward(self, x):
            return x + self.b(torch.relu(self.a(x)))

    f = args.filters
    stages = 2 if args.scale == 4 else 1
    factor = 2 if args.scale == 4 else args.scale
    up = []
    for _ in range(stages):
        up += [nn.Conv2d(f, f * factor * factor, 3, padding=1), nn.PixelShuffle(factor)]

    class EDSR(nn.Module):
        def __init__(self):
            super().__init__()
            self.head = nn.Conv2d(3, f, 3, padding=1)
            self.body = nn.Sequential(*[Block(f) for _ in range(args.num_blocks)],
                                      nn.Conv2d(f, f, 3, padding=1))
            self.up = nn.Sequential(*up, nn.Conv2d(f, 3, 3, padding=1))
            self.register_buffer("mean", torch.tensor(DIV2K_RGB_MEAN).view(1, 3, 1, 1))

        def forward(self, x):
            head = self.head(x - self.mean)
            return self.up(head + self.body(head)) + self.mean

    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = EDSR().to(device).to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    lr, hr = make_batches(1, args.batch, args.patch, args.scale)
    lr = torch.from_numpy(lr[0]).permute(0, 3, 1, 2).contiguous(
        memory_format=torch.channels_last).to(device)
    hr = torch.from_numpy(hr[0]).permute(0, 3, 1, 2).contiguous(
        memory_format=torch.channels_last).to(device)
    autocast = dtype == "mixed_bfloat16"

    @torch.compile
    def step():
        with torch.autocast(device, dtype=torch.bfloat16, enabled=autocast):
            loss = torch.mean(torch.abs(model(lr).float() - hr))
        loss.backward()
        return loss

    def train_step():
        optimizer.zero_grad(set_to_none=True)
        loss = step()
        optimizer.step()
        return loss

    for _ in range(3):
        train_step()
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    sync()
    start = time.perf_counter()
    for _ in range(args.steps):
        train_step()
    sync()
    return args.steps, time.perf_counter() - start


def run_method(method, args, dtype):
    """(steps, seconds) of one method, or raises ImportError/RuntimeError to skip it."""
    if method == "fit":
        return time_fit(args, dtype, 1)
    if method == "fit_spe10":
        return time_fit(args, dtype, 10)
    if method == "pure_jax":
        return time_pure_jax(args, dtype)
    if method == "torch":
        return time_torch(args, dtype)
    raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--patch", type=int, default=48, help="LR patch side")
    parser.add_argument("--scale", type=int, default=4)
    parser.add_argument("--filters", type=int, default=64)
    parser.add_argument("--num-blocks", type=int, default=16)
    parser.add_argument("--steps", type=int, default=100, help="timed steps per method")
    parser.add_argument("--steps-per-call", type=int, default=10)
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--dtypes", nargs="+", default=list(DTYPES), choices=DTYPES)
    parser.add_argument("--out", default=None, help="JSON path (default: by device)")
    parser.add_argument("--note", default="", help="free text stored with the entries")
    args = parser.parse_args(argv)

    import keras
    backend = keras.backend.backend()
    device = device_name()
    out = Path(args.out) if args.out else RESULTS / f"train_throughput_{slug(device)}.json"
    report = json.loads(out.read_text()) if out.exists() else {"entries": []}
    setting = {k: getattr(args, k) for k in ("batch", "patch", "scale", "filters",
                                             "num_blocks", "steps", "steps_per_call")}
    new = []
    for dtype in args.dtypes:
        for method in args.methods:
            entry = {"method": method, "dtype": dtype, "setting": setting,
                     "keras_backend": backend if method not in ("pure_jax", "torch") else None,
                     "device": device, "note": args.note,
                     "date": time.strftime("%Y-%m-%d %H:%M:%S")}
            try:
                steps, seconds = run_method(method, args, dtype)
                entry.update(steps=steps, seconds=round(seconds, 3),
                             images_per_s=round(steps * args.batch / seconds, 2))
            except ImportError as error:
                entry.update(skipped=f"not installed: {error.name or error}")
            except Exception as error:  # a method that fails must not hide the others
                entry.update(skipped=f"{type(error).__name__}: {error}"[:300])
            finally:
                keras.mixed_precision.set_global_policy("float32")
            print(json.dumps({k: entry.get(k) for k in ("method", "dtype", "images_per_s",
                                                        "skipped")}), flush=True)
            new.append(entry)
    keys = {(e["method"], e["dtype"], e["keras_backend"], json.dumps(e["setting"]))
            for e in new}
    report["entries"] = [e for e in report["entries"] if (
        e["method"], e["dtype"], e["keras_backend"], json.dumps(e["setting"])) not in keys]
    report["entries"] += new
    report.update(device=device, python=sys.version.split()[0], keras=keras.__version__,
                  cpu_count=os.cpu_count())
    write_result(out, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
