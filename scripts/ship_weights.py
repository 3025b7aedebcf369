"""Ship the weights a `keras-sr train --config` run made: copy, score, write the sidecar.

    python scripts/ship_weights.py --config configs/fsrcnn_x3.yaml
    python scripts/ship_weights.py --config configs/fsrcnn_x3.yaml --run-dir runs/x --which last

Reads the run's checkpoint folder (`<output_dir>/checkpoints` of the config, or
`--run-dir`), copies `best` (or `last`) weights to
`keras_sr/weights/<model>_x<scale>_c<channels>.weights.h5`, scores them on Set5, Set14
and B100 with the evaluation protocol (the same `keras_sr.inference.evaluate` that
`keras-sr eval` runs) and writes the JSON sidecar: identity, `config` (the YAML's path),
`train_config` (the
config as the trainer read it), `steps`, `train_seconds` (sum of the epochs' wall times the checkpoint recorded, or
`--train-seconds`), `psnr_y`/`ssim_y` per set, the paper's values kept from the sidecar it
replaces, and the date. The paper values are never used to pick anything.

A shipped QAT state (`keras_sr/weights/qat/<stem>.qat.*`) is tied to the float weights by
SHA-256: the script says when it is now stale and how to regenerate it.
"""

import argparse
import datetime
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETS = ("Set5", "Set14", "B100")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True, help="the run's YAML (configs/...)")
    parser.add_argument("--run-dir", default=None,
                        help="the run's output folder (default: the config's output_dir)")
    parser.add_argument("--which", choices=("best", "last"), default="best",
                        help="checkpoint to ship (best: by the config's validation set)")
    parser.add_argument("--train-seconds", type=float, default=None,
                        help="wall time of the run, when its checkpoint did not record it")
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated test sets")
    parser.add_argument("--dry-run", action="store_true",
                        help="score and print the sidecar; copy and write nothing")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    # deferred on purpose: --help must not start TensorFlow
    from keras_sr import models
    from keras_sr.image.io import atomic_path, atomic_write_text, file_sha256
    from keras_sr.inference.evaluate import evaluate
    from keras_sr.models import pretrained
    from keras_sr.training import callbacks
    from keras_sr.training.config import read_config

    config = read_config(args.config)
    run_dir = Path(args.run_dir or config["output_dir"])
    ckpt_dir = run_dir / "checkpoints"
    state = callbacks.read_state(ckpt_dir)
    if state is None:
        raise SystemExit(f"ship_weights: no checkpoint in {ckpt_dir} (state.json missing)")
    source = ckpt_dir / f"{args.which}.weights.h5"
    if not source.is_file():
        raise SystemExit(f"ship_weights: {source} not found")
    history = state.get("history", [])
    epoch = int(state["epoch"] if args.which == "last" else state.get("best_epoch") or
                state["epoch"])
    seconds = args.train_seconds
    if seconds is None and history and all("seconds" in h for h in history):
        seconds = round(sum(h["seconds"] for h in history if h["epoch"] <= state["epoch"]), 1)

    model = models.get(config["model"], scale=config["scale"], channels=config["channels"],
                       weights=str(source), **config["model_args"])
    psnr, ssim = {}, {}
    for name in args.sets.split(","):
        result = evaluate(model, name, config["scale"], progress=False)
        psnr[name], ssim[name] = round(result["psnr_y"], 3), round(result["ssim_y"], 4)
        print(f"{name}: PSNR {result['psnr_y']:.3f} dB, SSIM {result['ssim_y']:.4f}")

    target = pretrained.WEIGHTS_DIR / pretrained.weights_filename(
        config["model"], config["scale"], config["channels"])
    sidecar = pretrained.sidecar_path(target)
    old = json.loads(sidecar.read_text()) if sidecar.is_file() else {}
    config_path = Path(args.config).resolve()
    try:
        config_name = str(config_path.relative_to(ROOT))
    except ValueError:
        config_name = str(config_path)
    record = {"model": config["model"], "scale": config["scale"],
              "channels": config["channels"], "config": config_name,
              "made_by": f"keras-sr train --config {config_name}",
              "train_config": json.loads(json.dumps(config, default=str)),
              "checkpoint": args.which, "epoch": epoch,
              "steps": epoch * config["steps_per_epoch"],
              "batch_size": config["data"]["batch_size"],
              "train_seconds": seconds, "train_sets": config["data"]["train"],
              "psnr_y": psnr, "ssim_y": ssim,
              "paper_psnr_y": old.get("paper_psnr_y"),
              "scored_by": "keras-sr eval --weights pretrained (keras_sr.inference.evaluate: "
                           "MATLAB bicubic LR rounded to 8 bits, Y, shave = scale)",
              "date": datetime.date.today().isoformat()}
    print(json.dumps(record, indent=1))
    if args.dry_run:
        return 0
    with atomic_path(target) as tmp:
        shutil.copyfile(source, tmp)
    atomic_write_text(sidecar, json.dumps(record, indent=1) + "\n")
    print(f"wrote {target}\nwrote {sidecar}")
    state_file = pretrained.WEIGHTS_DIR / "qat" / target.name.replace(".weights.h5", ".qat.json")
    if state_file.is_file() and json.loads(state_file.read_text()).get(
            "float_weights_sha256") != file_sha256(target):
        print(f"note: {state_file} was made from other float weights and is now stale "
              "(its SHA-256 no longer matches); regenerate it (keras_sr/weights/README.md "
              "says how)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
