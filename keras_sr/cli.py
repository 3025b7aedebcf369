"""The ``keras-sr`` command line.

Each sub-command lives in ``keras_sr/commands/<name>.py`` and exposes two functions:
``add_arguments(parser)`` and ``run(args) -> int`` (the exit status). A command's module
is imported only when that command is chosen.
"""

import argparse
import importlib
import sys

# name -> one-line help. The module is keras_sr.commands.<name with - replaced by _>.
COMMANDS = {
    "eval": "evaluate a model (or bicubic) on a test set by the published protocol",
    "train": "train a model from a YAML config",
    "demo": "train ESPCN x3 briefly on built-in photos, evaluate, export int8 TFLite",
    "upscale": "upscale an image with a model or a .tflite file (tiled)",
    "export": "export a model to TFLite (float, float16, dynamic, int8 PTQ or QAT)",
    "models": "list the available models with parameters and MACs per pixel",
}


def _load(name):
    return importlib.import_module("keras_sr.commands." + name.replace("-", "_"))


def build_parser(argv_command=None):
    """Return the top-level parser; only the chosen command's arguments are loaded."""
    parser = argparse.ArgumentParser(prog="keras-sr", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        if name == argv_command:
            _load(name).add_arguments(command_parser)
    return parser


def main(argv=None):
    """Entry point of the ``keras-sr`` console script; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    chosen = next((a for a in argv if not a.startswith("-")), None)
    if chosen is not None and chosen not in COMMANDS:
        print(f"keras-sr: unknown command {chosen!r}; choose one of {', '.join(COMMANDS)}",
              file=sys.stderr)
        return 2
    parser = build_parser(chosen)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return int(_load(args.command).run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
