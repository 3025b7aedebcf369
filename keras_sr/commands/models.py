"""``keras-sr models``: list the models with channels, parameters, MACs per pixel and
the scales and channels that have shipped weights."""

import json


def add_arguments(parser):
    parser.add_argument("--scale", type=int, default=4,
                        help="scale to build the generators at (a model without it uses "
                             "its largest scale below)")
    parser.add_argument("--channels", type=int, default=3, choices=(1, 3),
                        help="input channels: 3 (RGB) or 1 (Y)")
    parser.add_argument("--names", nargs="+", metavar="NAME",
                        help="only these models (default: all)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _shipped(row):
    """``"x2 x3 x4 on 1 ch"``: the shipped weights of a row's model, by channel count."""
    by_channels = {}
    for weights in row["shipped_weights"]:
        by_channels.setdefault(weights["channels"], []).append(weights["scale"])
    if not by_channels:
        return "-"
    return "; ".join(" ".join(f"x{s}" for s in sorted(s for s in scales if s is not None))
                     + f" on {channels} ch" for channels, scales in sorted(by_channels.items()))


def format_table(rows):
    """Text table of ``keras_sr.models.available()`` rows."""
    header = ("name", "strategy", "scale", "channels", "params", "MACs/pixel",
              "shipped weights")
    lines = [(row["name"], row["strategy"], "-" if row["scale"] is None else f"x{row['scale']}",
              str(row["channels"]), f"{row['params']:,}",
              f"{row['macs_per_pixel']:,.0f}" + (" (in)" if row["per"] == "input" else ""),
              _shipped(row))
             for row in rows]
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *lines)]
    out = ["  ".join(cell.ljust(width) for cell, width in zip(header, widths)).rstrip()]
    out.append("  ".join("-" * width for width in widths))
    for line in lines:
        out.append("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
    return "\n".join(out)


def run(args):
    """Print the table (or JSON); bad arguments raise ``ValueError`` (one line, exit 2)."""
    if args.scale < 2:
        raise ValueError(f"--scale must be an integer >= 2 (the smallest scale of any "
                         f"model); got {args.scale}")
    # deferred on purpose: `keras-sr models --help` must not start Keras/TensorFlow
    from keras_sr import models

    rows = models.available(scale=args.scale, channels=args.channels, names=args.names)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(format_table(rows))
        print("MACs/pixel: multiply-accumulates per output pixel; '(in)': per input pixel.")
        print("shipped weights: load them with --weights pretrained at that scale and "
              "--channels (keras-sr eval, upscale, export).")
    return 0
