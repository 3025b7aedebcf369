"""``keras-sr train --config cfg.yaml``: train a model from a YAML config (resumable)."""

import os
import sys

BACKENDS = ("tensorflow", "jax")


def add_arguments(parser):
    parser.add_argument("--config", required=True, help="YAML (or JSON) training config")
    parser.add_argument("--backend", choices=BACKENDS,
                        help="Keras backend (default: KERAS_BACKEND, the config's "
                             "'backend' key, else tensorflow)")
    parser.add_argument("--output-dir", help="override the config's output_dir")
    parser.add_argument("--epochs", type=int, help="override the config's epochs")
    parser.add_argument("--steps-per-epoch", type=int, help="override steps_per_epoch")
    parser.add_argument("--no-resume", action="store_true",
                        help="start afresh even if output_dir holds a checkpoint")
    parser.add_argument("--dry-run", action="store_true",
                        help="check the config and print what a run would do (data found, "
                             "model and parameters, steps, learning rates, output folder) "
                             "without training")


def select_backend(wanted):
    """Set ``KERAS_BACKEND`` before Keras is imported; error if Keras runs another one.

    Returns:
        None when fine, else an error message.
    """
    if not wanted:
        return None
    if wanted not in BACKENDS:
        return f"backend {wanted!r} is not supported; choose one of {BACKENDS}"
    if "keras" in sys.modules:
        import keras

        if keras.backend.backend() != wanted:
            return (f"Keras is already running the {keras.backend.backend()!r} backend; "
                    f"set KERAS_BACKEND={wanted} before starting Python")
        return None
    os.environ["KERAS_BACKEND"] = wanted
    return None


def run(args):
    import yaml

    try:
        with open(args.config) as handle:
            config = yaml.safe_load(handle) or {}
    except OSError as error:
        print(f"keras-sr train: cannot read --config: {error}", file=sys.stderr)
        return 2
    if not isinstance(config, dict):
        print(f"keras-sr train: {args.config} must hold a mapping of config keys",
              file=sys.stderr)
        return 2
    problem = select_backend(args.backend or config.get("backend"))
    if problem:
        print(f"keras-sr train: {problem}", file=sys.stderr)
        return 2
    for key, value in (("output_dir", args.output_dir), ("epochs", args.epochs),
                       ("steps_per_epoch", args.steps_per_epoch)):
        if value is not None:
            config[key] = value

    from keras_sr.training.config import ConfigError
    from keras_sr.training.trainer import describe, summary_lines, train

    try:
        if args.dry_run:
            for line in summary_lines(describe(config, resume=not args.no_resume)):
                print(f"keras-sr train: {line}")
            print("keras-sr train: dry run: the config is valid; nothing was trained")
            return 0
        result = train(config, resume=not args.no_resume)
    except (ConfigError, FileNotFoundError, ValueError) as error:
        print(f"keras-sr train: error: {error}", file=sys.stderr)
        return 2
    history = result["history"]
    last = history[-1] if history else {}
    print(f"keras-sr train: {len(history)} epoch(s) done; last loss "
          f"{last.get('loss', float('nan')):.5f}"
          + (f", best validation PSNR {result['best']:.2f} dB (epoch {result['best_epoch']})"
             if last.get("val_psnr") is not None and result["best"] is not None else ""))
    for path in result["files"]:
        print(f"  wrote {path}")
    return 3 if result["stopped_on_nan"] or result["stopped_on_divergence"] else 0
