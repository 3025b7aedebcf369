"""Executes the notebooks in place, so that they are committed with the outputs (text
and images) of a real run.

    python scripts/run_notebooks.py                      # all four, their own parameters
    python scripts/run_notebooks.py 01_quickstart        # one
    python scripts/run_notebooks.py --set vgg_weights=None 03_losses_and_gan

Each notebook runs with the parameters of its cell tagged ``parameters``; ``--set
NAME=VALUE`` (a Python literal) adds a visible cell after it that overrides NAME, with a
comment saying why when ``--why`` is given. Kernels start in notebooks/, so the default
``data_dir`` (``../../shared/datasets``) is the image sets beside the repository; set
``KERAS_SR_DATA`` where they live elsewhere. TensorFlow's start-up lines
(``keras_sr.cli.NOISE``) are dropped from the saved outputs. CI runs the same notebooks with tiny
parameters and without saving (tests/demos/test_notebooks.py).
"""

import argparse
import ast
import os
import time
from pathlib import Path

from keras_sr.cli import NOISE

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def drop_noise(notebook):
    """Removes TensorFlow's start-up lines (``keras_sr.cli.NOISE``) from stream outputs
    and the per-cell execution timestamps, in place."""
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        for output in cell.outputs:
            if output.output_type == "stream":
                output.text = "".join(line for line in output.text.splitlines(True)
                                      if not NOISE.match(line))
        cell.outputs = [o for o in cell.outputs if o.output_type != "stream" or o.text]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebook names without .ipynb (default all)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a parameter for this run (shown in the notebook)")
    parser.add_argument("--why", default=None, help="comment shown above the overrides")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell")
    args = parser.parse_args(argv)

    import nbclient
    import nbformat

    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    names = args.names or sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    overrides = {}
    for item in args.set:
        name, _, value = item.partition("=")
        overrides[name.strip()] = ast.literal_eval(value.strip())
    for name in names:
        path = NOTEBOOKS / f"{name}.ipynb"
        notebook = nbformat.read(path, as_version=4)
        notebook.cells = [c for c in notebook.cells
                          if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
        if overrides:
            index = next(i for i, c in enumerate(notebook.cells)
                         if "parameters" in c.get("metadata", {}).get("tags", []))
            lines = ([f"# {args.why}"] if args.why else []) + [
                f"{key} = {value!r}" for key, value in overrides.items()]
            cell = nbformat.v4.new_code_cell("\n".join(lines))
            cell.metadata["tags"] = ["injected-parameters"]
            notebook.cells.insert(index + 1, cell)
        start = time.perf_counter()
        client = nbclient.NotebookClient(notebook, timeout=args.timeout, kernel_name="python3",
                                         resources={"metadata": {"path": str(NOTEBOOKS)}})
        client.execute()
        drop_noise(notebook)
        nbformat.write(notebook, path)
        print(f"{name}: ran in {time.perf_counter() - start:.0f} s, saved with outputs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
