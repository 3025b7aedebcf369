"""Executes every notebook in notebooks/ with tiny parameters (nbclient) and fails on any
error. Slow (a kernel and a TensorFlow import per notebook): run with -m slow. The
notebooks are committed with the outputs of a real run (scripts/run_notebooks.py)."""

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = ["01_quickstart", "02_upsampling_strategies", "03_losses_and_gan", "04_export_tflite",
         "task_evaluation"]
TINY = {"steps_per_epoch": 2, "epochs": 1, "batch_size": 4, "patch_size": 12,
        "eval_limit": 1, "qat_epochs": 1, "qat_steps": 2, "latency_size": 32,
        "latency_runs": 2, "vgg_weights": None}


def with_parameters(notebook, values):
    """Inserts a cell after the one tagged `parameters` that overrides the given names."""
    index = next(i for i, cell in enumerate(notebook.cells)
                 if "parameters" in cell.get("metadata", {}).get("tags", []))
    defined = notebook.cells[index].source
    lines = [f"{name} = {value!r}" for name, value in values.items()
             if f"\n{name} = " in "\n" + defined]
    notebook.cells.insert(index + 1, nbformat.v4.new_code_cell("\n".join(lines)))
    return notebook


def test_every_notebook_has_a_parameters_cell_and_the_outputs_of_a_real_run():
    for name in NAMES:
        notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        tagged = [c for c in notebook.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, name
        assert "data_dir = " in tagged[0].source and "seed = " in tagged[0].source, name
        code = [c for c in notebook.cells if c.cell_type == "code"]
        # committed by scripts/run_notebooks.py: every cell ran, in order, and at least one
        # shows a picture
        assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), name
        assert not [o for c in code for o in c.outputs if o.output_type == "error"], name
        assert any("image/png" in o.get("data", {}) for c in code for o in c.outputs), name


@pytest.mark.slow
@pytest.mark.tf_only
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_with_tiny_settings(name, datasets_dir, tmp_path):
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    values = dict(TINY, data_dir=str(datasets_dir), out_dir=str(tmp_path / "export"))
    notebook = with_parameters(notebook, values)
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError with the failing cell's traceback
