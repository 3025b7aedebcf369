"""Bicubic VIFp and IFC on the benchmark sets by the published protocol, against the
published bicubic IFC of the SR benchmark tables (issue 20).

Scores through ``keras_sr.inference.evaluate`` (``keras-sr eval --metrics
psnr,ssim,vif,ifc``): modcrop, 8-bit bicubic LR, 8-bit SR, Y channel, ``scale`` pixels
shaved. Results: ``benchmarks/results/bicubic_vif_ifc.json``. IFC costs a few seconds per
image on one CPU core (Set5 + Set14 at x2, x3, x4: about 20 minutes on a loaded 2-core
machine).

    KERAS_SR_DATA=../shared/datasets python benchmarks/bicubic_vif_ifc.py --sets Set5,Set14
"""

import argparse
import datetime
import time
from pathlib import Path

from results_file import write_result  # benchmarks/ is on sys.path when run as a script

from keras_sr.inference.evaluate import evaluate

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "bicubic_vif_ifc.json"

# Bicubic IFC as tabulated for the SR benchmark (Yang et al. ECCV 2014 benchmark,
# SelfExSR / Huang et al. CVPR 2015 tables), read from a public compilation of those
# tables; B100 has no bicubic IFC there.
PUBLISHED_IFC = {"Set5": {2: 5.72, 3: 3.45, 4: 2.28}, "Set14": {2: 5.74, 3: 3.33, 4: 2.18}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="Set5,Set14", help="comma-separated set names")
    parser.add_argument("--scales", default="2,3,4", help="comma-separated scales")
    parser.add_argument("--out", default=str(RESULTS), help="result JSON")
    args = parser.parse_args()
    rows = []
    for dataset in args.sets.split(","):
        for scale in (int(s) for s in args.scales.split(",")):
            start = time.time()
            result = evaluate("bicubic", dataset, scale, progress=False,
                              metrics=("psnr", "ssim", "vif", "ifc"))
            published = PUBLISHED_IFC.get(dataset, {}).get(scale)
            row = {"dataset": dataset, "scale": scale, "images": result["images"],
                   **{k: round(result[k], 4) for k in ("psnr_y", "ssim_y", "vif_y", "ifc_y")},
                   "published_ifc": published,
                   "ifc_difference": None if published is None
                   else round(result["ifc_y"] - published, 3),
                   "seconds": round(time.time() - start, 1)}
            rows.append(row)
            print(row, flush=True)
    write_result(args.out, {
        "what": "bicubic upscaling scored by keras_sr.metrics.protocol (Y, shave = scale): "
                "VIFp (Sheikh & Bovik 2006, as sewar.full_ref.vifp) and IFC (ifcvec.m)",
        "command": "python benchmarks/bicubic_vif_ifc.py --sets " + args.sets,
        "date": datetime.date.today().isoformat(),
        "published_ifc_source": "bicubic IFC of the SR benchmark tables (Yang et al. 2014 "
                                "benchmark / SelfExSR), as compiled in a public README",
        "rows": rows})


if __name__ == "__main__":
    main()
