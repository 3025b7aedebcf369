"""Compares the page's first-open result with the Python path, by PSNR on a real image.

The page (e2e.mjs, case ``builtin``) upscales its sample image (scikit-image's
``chelsea``, downscaled x3 by the published protocol) with its first built-in model and
saves the pixels; make_fixtures.py computed the same upscale with
``keras_sr.inference.upscale_tiled``. Both are scored against the original photo (Y
channel, border shaved, ``keras_sr.metrics.protocol.score_pair``); the two PSNRs must agree
within 0.1 dB. Prints ``builtin: page X dB, Python Y dB, bicubic Z dB ...``.

Usage: python web_demo/check_builtin.py --fixtures build/fixtures --page e2e-output
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
TOLERANCE_DB = 0.1


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", required=True, help="make_fixtures.py's folder")
    parser.add_argument("--page", required=True, help="e2e.mjs's output folder")
    args = parser.parse_args(argv)

    from keras_sr.metrics.protocol import score_pair
    from keras_sr.image.resize import imresize
    from make_models import sample_images

    case = next(c for c in json.loads((Path(args.fixtures) / "cases.json").read_text())["cases"]
                if c["name"] == "builtin")
    shape = (case["height"], case["width"], 3)
    python = np.frombuffer((Path(args.fixtures) / case["expected"]).read_bytes(), np.uint8)
    page = np.frombuffer((Path(args.page) / "builtin.page.bin").read_bytes(), np.uint8)
    hr, lr = sample_images()
    bicubic = np.clip(np.asarray(imresize(lr.astype("float32") / 255, scale=case["scale"])),
                      0, 1)
    scores = {name: score_pair(hr.astype(np.float64), image.reshape(shape).astype(np.float64),
                               case["scale"])[0]
              for name, image in (("page", page), ("python", python),
                                  ("bicubic", np.floor(bicubic * 255 + 0.5)))}
    difference = abs(scores["page"] - scores["python"])
    ok = difference <= TOLERANCE_DB and scores["page"] > scores["bicubic"]
    print(f"builtin: page {scores['page']:.3f} dB, Python {scores['python']:.3f} dB, "
          f"bicubic {scores['bicubic']:.3f} dB; |page - Python| = {difference:.3f} dB "
          f"({'ok' if ok else 'FAIL'}: within {TOLERANCE_DB} dB and above bicubic)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
