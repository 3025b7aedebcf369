"""``keras-sr mos make`` / ``keras-sr mos score``: a blind Mean Opinion Score study.

Example::

    keras-sr mos make --models bicubic,fsrcnn,espcn --dataset Set5 --scale 3 --out study
    # raters open study/page/index.html and send back their ratings JSON
    keras-sr mos score study/ratings/*.json --key study/key.json --json mos.json

``make`` writes the images, the rater page (``page/``) and the key (``key.json``, not
for raters) with ``keras_sr.inference.mos``; ``score`` computes MOS with t intervals and
pairwise preferences with ``keras_sr.metrics.mos`` (see docs/mos.md).
"""

import json
from pathlib import Path

from keras_sr.commands.result_file import write_result_json


def add_arguments(parser):
    """Declare ``mos make`` and ``mos score`` on an argparse parser."""
    sub = parser.add_subparsers(dest="mos_command", metavar="{make,score}", required=True)
    make = sub.add_parser("make", help="write a study: images, rater page, key",
                          description="upscale a set with each model and write a blind "
                                      "study folder (page/ for raters, key.json for you)")
    make.add_argument("--models", required=True,
                      help="comma-separated: bicubic, original (the HR image), model names "
                           "with shipped weights at --scale (keras-sr models), .keras files")
    make.add_argument("--dataset", required=True,
                      help="a set name (Set5, Set14, ...) or a folder of HR images")
    make.add_argument("--scale", type=int, required=True, help="upscaling factor")
    make.add_argument("--out", required=True, help="study folder to create")
    make.add_argument("--mode", choices=("acr", "pairs"), default="acr",
                      help="acr: rate single images 1..5; pairs: choose the better of two "
                           "models on the same image (default: acr)")
    make.add_argument("--seed", type=int, default=0,
                      help="seed of the anonymous ids (each rater's order comes from the "
                           "seed on the page) (default: 0)")
    make.add_argument("--limit", type=int, default=None,
                      help="use only the first N images of the set")
    make.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    score = sub.add_parser("score", help="MOS and preferences from the raters' JSON files",
                           description="MOS per model with t intervals and pairwise "
                                       "preference rates (docs/mos.md)")
    score.add_argument("ratings", nargs="+", help="the ratings JSON files the page saved")
    score.add_argument("--key", required=True, help="the study's key.json")
    score.add_argument("--confidence", type=float, default=0.95,
                       help="two-sided level of the intervals (default: 0.95)")
    score.add_argument("--json", default=None, metavar="PATH",
                       help="also write the results as JSON to PATH")


def _read_json(path, what):
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such {what}: {path}")
    try:
        return json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: not a JSON file ({error})") from None


def _make(args):
    # deferred on purpose: `keras-sr mos --help` and `mos score` must not start TensorFlow
    from keras_sr.inference.mos import make_study

    models = [m.strip() for m in args.models.split(",")]
    key = make_study(models, args.dataset, args.scale, args.out, mode=args.mode,
                     seed=args.seed, limit=args.limit, progress=not args.no_progress)
    out = Path(args.out)
    trials = len(key["items"]) if key["mode"] == "acr" else len(key["pairs"])
    print(f"study {key['study']} ({key['mode']}): {len(key['images'])} images x "
          f"{len(key['models'])} models, {trials} trials per rater")
    print(f"raters open  {out / 'page' / 'index.html'}  (give them page/ only)")
    print(f"key          {out / 'key.json'}  (keep it: it says which model is which)")
    print(f"then         keras-sr mos score {out / 'ratings'}/*.json --key {out / 'key.json'}")
    return 0


def _score(args):
    from keras_sr.metrics.mos import format_scores, score_ratings

    key = _read_json(args.key, "key file")
    if not isinstance(key, dict) or not {"study", "mode", "models", "items"} <= set(key):
        raise ValueError(f"--key {args.key}: not a study key (written by keras-sr mos make)")
    records = [(str(p), _read_json(p, "ratings file")) for p in args.ratings]
    result = score_ratings(records, key, confidence=args.confidence)
    print(format_scores(result))
    if args.json:
        write_result_json(args.json, result)
    return 0


def run(args):
    """Run ``mos make`` or ``mos score``; returns the exit status."""
    return _make(args) if args.mos_command == "make" else _score(args)
