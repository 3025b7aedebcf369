"""Imported PyTorch checkpoints scored through the front door: ``keras-sr import`` then
``keras-sr eval --model X.keras`` (the published protocol), against the papers' numbers.

Targets (issue 17): VDSR Set5 >= 37.53 / 33.66 / 31.35 (x2 / x3 / x4), LapSRN x4 Set5
>= 31.54 and B100 >= 27.32. Results: ``benchmarks/results/import_scores.json``.

    KERAS_SR_DATA=../shared/datasets python benchmarks/import_scores.py
    python benchmarks/import_scores.py --weights-dir ../shared/third_party_weights
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from results_file import write_result  # benchmarks/ is on sys.path when run as a script

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"

# (checkpoint, model, scale, dataset, target PSNR: the paper's)
RUNS = [
    ("vdsr_twtygqyy_epoch50.pth", "vdsr", 2, "Set5", 37.53),
    ("vdsr_twtygqyy_epoch50.pth", "vdsr", 3, "Set5", 33.66),
    ("vdsr_twtygqyy_epoch50.pth", "vdsr", 4, "Set5", 31.35),
    ("lapsrn_x4_twtygqyy_epoch100.pth", "lapsrn", 4, "Set5", 31.54),
    ("lapsrn_x4_twtygqyy_epoch100.pth", "lapsrn", 4, "B100", 27.32),
]


def keras_sr(*argv):
    """Run ``python -m keras_sr.cli ARGV`` from this checkout; raise if it fails."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-m", "keras_sr.cli", *argv], cwd=REPO, env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"keras-sr {' '.join(argv)} failed ({done.returncode}):\n"
                           f"{done.stderr}")
    return done.stdout


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights-dir", default=str(REPO.parent / "shared" /
                                                      "third_party_weights"))
    parser.add_argument("--out", default=str(RESULTS / "import_scores.json"))
    args = parser.parse_args(argv)
    weights = Path(args.weights_dir)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for checkpoint, model, scale, dataset, target in RUNS:
            keras_file = Path(tmp) / f"{model}_x{scale}.keras"
            if not keras_file.exists():
                summary = keras_sr("import", str(weights / checkpoint), "--model", model,
                                   "--scale", str(scale), "--out", str(keras_file))
                print(summary)
            scores = Path(tmp) / f"{model}_x{scale}_{dataset}.json"
            keras_sr("eval", "--model", str(keras_file), "--dataset", dataset,
                     "--no-progress", "--json", str(scores))
            result = json.loads(scores.read_text())
            row = {"checkpoint": checkpoint, "model": model, "scale": scale,
                   "dataset": dataset, "images": result["images"],
                   "psnr_y": round(result["psnr_y"], 3), "ssim_y": round(result["ssim_y"], 4),
                   "target_psnr": target, "met": result["psnr_y"] >= target}
            print(json.dumps(row))
            rows.append(row)
    write_result(args.out, {
        "benchmark": "import_scores",
        "protocol": "keras-sr eval: LR = MATLAB bicubic rounded to uint8, SR clipped and "
                    "rounded, Y channel, scale px shaved",
        "commands": ["keras-sr import FILE --model M --scale S --out M_xS.keras",
                     "keras-sr eval --model M_xS.keras --dataset SET --json ..."],
        "date": datetime.date.today().isoformat(),
        "results": rows,
    })
    return 0 if all(r["met"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
