"""The ``keras-sr`` command line.

Each sub-command lives in ``keras_sr/commands/<name>.py`` and exposes two functions:
``add_arguments(parser)`` and ``run(args) -> int`` (the exit status). A command's module
is imported only when that command is chosen, so ``keras-sr --help`` and
``keras-sr CMD --help`` start without TensorFlow.

This module is the one place that

- keeps TensorFlow quiet (:class:`QuietStderr`): its start-up lines (absl, oneDNN, CUDA
  probes) and the converter's are dropped from stderr, every other line comes through;
- turns user errors into one line, ``keras-sr CMD: error: ...``, and exit status 2: a
  missing or unreadable file, a bad value or config (``ValueError``), a broken YAML or
  image file. Ctrl-C exits with 130 (``train`` says how to resume). ``--debug`` shows
  the traceback instead, and TensorFlow's own log lines.
"""

import argparse
import importlib
import importlib.util
import logging
import os
import re
import sys
import threading
import warnings

# name -> one-line help. The module is keras_sr.commands.<name with - replaced by _>.
COMMANDS = {
    "eval": "evaluate a model (or bicubic) on a test set by the published protocol",
    "train": "train a model from a YAML config",
    "demo": "train ESPCN x3 briefly on built-in photos, evaluate, export int8 TFLite",
    "upscale": "upscale an image with a model or a .tflite file (tiled)",
    "export": "export a model to TFLite (float, float16, dynamic, int8 PTQ or QAT)",
    "models": "list the available models with parameters and MACs per pixel",
    "import": "import a PyTorch checkpoint (read safely) as a keras_sr .keras model",
    "mos": "make a blind Mean Opinion Score study (rater page) and score its ratings",
}

# Lines that TensorFlow, its converter and its C++ libraries write straight to file
# descriptor 2 (many while loading, before its logging is configured, so no environment
# variable silences them): absl's pre-init banner, INFO/WARNING lines in glog format,
# the CUDA probes' errors on a machine without a GPU, the CPU-instructions notice and the
# converter's calibration summary and temporary-assets notes, LiteRT's XNNPACK notice.
NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called"
    r"|[IW]\d{4} [\d:.]+ +\d+ [\w.]+:\d+\]"
    r"|E\d{4} [\d:.]+ +\d+ (cuda_\w+|cudart_stub|cuda_platform)\.cc:\d+\]"
    r"|To enable the following instructions: .*rebuild TensorFlow"
    r"|fully_quantize: \d+, inference_type: "
    r"|INFO: Created TensorFlow Lite XNNPACK delegate for CPU\."
    r"|INFO:tensorflow:Assets written to: )")

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


class _DefaultsHelpFormatter(argparse.HelpFormatter):
    """Appends ``(default: X)`` to an option's help unless it has no default or says it."""

    def _get_help_string(self, action):
        text = action.help or ""
        if (action.default in (None, False, argparse.SUPPRESS) or "default" in text
                or not action.option_strings):
            return text
        return f"{text} (default: %(default)s)"


def _load(name):
    module = {"import": "import_"}.get(name, name.replace("-", "_"))  # `import` is a keyword
    return importlib.import_module("keras_sr.commands." + module)


def build_parser(argv_command=None):
    """Return the top-level parser; only the chosen command's arguments are loaded."""
    parser = argparse.ArgumentParser(prog="keras-sr", description=__doc__.splitlines()[0])
    parser.add_argument("--debug", action="store_true",
                        help="show tracebacks and TensorFlow's log lines")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        command_parser = sub.add_parser(
            name, help=help_text, description=help_text,
            formatter_class=_DefaultsHelpFormatter)
        if name == argv_command:
            _load(name).add_arguments(command_parser)
            command_parser.add_argument("--debug", action="store_true",
                                        default=argparse.SUPPRESS,
                                        help="show the traceback of an error and "
                                             "TensorFlow's log lines")
    return parser


class QuietStderr:
    """Context manager: TensorFlow's noise on file descriptor 2 is dropped, the rest kept.

    Sets ``TF_CPP_MIN_LOG_LEVEL=2`` (unless set), hides Python warnings raised inside
    TensorFlow and absl's Python warnings, and runs fd 2 through a pipe whose reader
    thread passes on every line that does not match :data:`NOISE` (segments ended by
    ``\\r`` too, so progress bars stay live). Enter it before TensorFlow is imported.
    """

    def __enter__(self):
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        warnings.filterwarnings("ignore", module=r"tensorflow(\.|$)")
        self._absl_level = logging.getLogger("absl").level
        logging.getLogger("absl").setLevel(logging.ERROR)
        sys.stderr.flush()
        self._saved = os.dup(2)
        read_end, write_end = os.pipe()
        os.dup2(write_end, 2)
        os.close(write_end)
        self._thread = threading.Thread(target=self._forward, args=(read_end,), daemon=True)
        self._thread.start()
        return self

    def _forward(self, read_end):
        pending = b""
        with os.fdopen(read_end, "rb", buffering=0) as pipe:
            while chunk := pipe.read(65536):
                pending += chunk
                *segments, pending = re.split(rb"(?<=[\r\n])", pending)
                self._write(segments)
        self._write([pending])

    def _write(self, segments):
        kept = b"".join(s for s in segments
                        if not NOISE.match(s.decode("utf-8", errors="replace")))
        if kept:
            os.write(self._saved, kept)

    def __exit__(self, *exc_info):
        sys.stderr.flush()
        os.dup2(self._saved, 2)  # closes the pipe's last write end: the reader ends
        self._thread.join(timeout=10)
        os.close(self._saved)
        logging.getLogger("absl").setLevel(self._absl_level)
        self._warnings.__exit__(*exc_info)
        return False


def _user_errors():
    """The exception types reported as one line: bad paths, values, configs, images."""
    errors = [OSError, ValueError, KeyError]
    if importlib.util.find_spec("yaml") is not None:
        import yaml  # deferred on purpose: only its error class, and only when installed

        errors.append(yaml.YAMLError)
    return tuple(errors)


def _message(error):
    """One line for an exception (KeyError's repr quotes are dropped)."""
    text = error.args[0] if isinstance(error, KeyError) and error.args else error
    text = " ".join(str(text).split()) or type(error).__name__
    if isinstance(error, OSError) and error.filename and str(error.filename) not in text:
        text = f"{text}: {error.filename}"
    return text


def _interrupted(command):
    """The line printed on Ctrl-C."""
    if command == "train":
        return ("interrupted; run the same command again to resume from the last "
                "checkpoint (--no-resume starts afresh)")
    return "interrupted"


def main(argv=None):
    """Entry point of the ``keras-sr`` console script; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    chosen = next((a for a in argv if not a.startswith("-")), None)
    if chosen is not None and chosen not in COMMANDS:
        print(f"keras-sr: error: unknown command {chosen!r}; choose one of "
              f"{', '.join(COMMANDS)}", file=sys.stderr)
        return EXIT_USER_ERROR
    parser = build_parser(chosen)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USER_ERROR
    prefix = f"keras-sr {args.command}:"
    if args.debug:
        return _run(args, prefix)
    with QuietStderr():
        return _run(args, prefix)


def _run(args, prefix):
    """Run the chosen command; user errors become one line and exit status 2."""
    try:
        return int(_load(args.command).run(args) or 0)
    except KeyboardInterrupt:
        if args.debug:
            raise
        print(f"\n{prefix} {_interrupted(args.command)}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except SystemExit as stop:
        # A command that stops with a message (SystemExit("keras-sr CMD: ...")) is a user
        # error like any other; integer codes pass through unchanged.
        if not isinstance(stop.code, str) or args.debug:
            raise
        text = stop.code.removeprefix(prefix).strip().removeprefix("error:").strip()
        print(f"{prefix} error: {text}", file=sys.stderr)
        return EXIT_USER_ERROR
    except _user_errors() as error:
        if args.debug:
            raise
        print(f"{prefix} error: {_message(error)}", file=sys.stderr)
        return EXIT_USER_ERROR

if __name__ == "__main__":
    sys.exit(main())
