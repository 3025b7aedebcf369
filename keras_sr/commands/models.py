"""``keras-sr models``: list the available models with parameters and MACs per pixel."""

import json


def add_arguments(parser):
    parser.add_argument("--scale", type=int, default=4,
                        help="scale to build the generators at (default 4; a model without "
                             "it uses its largest scale below)")
    parser.add_argument("--channels", type=int, default=3, choices=(1, 3),
                        help="input channels: 3 (RGB, default) or 1 (Y)")
    parser.add_argument("--names", nargs="+", metavar="NAME",
                        help="only these models (default: all)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def format_table(rows):
    """Text table of ``keras_sr.models.available()`` rows."""
    header = ("name", "strategy", "scale", "params", "MACs/pixel")
    lines = [(row["name"], row["strategy"], "-" if row["scale"] is None else f"x{row['scale']}",
              f"{row['params']:,}",
              f"{row['macs_per_pixel']:,.0f}" + (" (in)" if row["per"] == "input" else ""))
             for row in rows]
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *lines)]
    out = ["  ".join(cell.ljust(width) for cell, width in zip(header, widths)).rstrip()]
    out.append("  ".join("-" * width for width in widths))
    for line in lines:
        out.append("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
    return "\n".join(out)


def run(args):
    from keras_sr import models

    try:
        rows = models.available(scale=args.scale, channels=args.channels, names=args.names)
    except ValueError as error:
        print(f"keras-sr models: {error}")
        return 2
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(format_table(rows))
        print("MACs/pixel: multiply-accumulates per output pixel; '(in)': per input pixel.")
    return 0
