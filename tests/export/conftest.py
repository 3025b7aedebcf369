"""Make the tiny test models of tests/quantization/toy_models.py importable here."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "quantization"))
