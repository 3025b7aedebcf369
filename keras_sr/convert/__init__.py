"""Importers of third-party checkpoints: PyTorch files read safely into keras_sr models.

``import_checkpoint(path, model=None, scale=None, out=None)`` reads a ``torch.save`` file
(zip or legacy layout, a state dict or a whole pickled module) with a restricted
unpickler that runs nothing from the file, maps its tensors onto a keras_sr model by
structure (VDSR, LapSRN) and optionally saves a ``.keras`` file. See docs/import.md.
"""

from keras_sr.convert.importer import ImportResult, import_checkpoint, load_plan
from keras_sr.convert.mapping import FAMILIES, MappingError, Plan, plan_for
from keras_sr.convert.state_dict import StateDict, find_state_dict
from keras_sr.convert.torch_file import CheckpointFormatError, read_torch_file
from keras_sr.convert.unpickler import RestrictedUnpickler, UnsafeCheckpointError

__all__ = [
    "FAMILIES", "CheckpointFormatError", "ImportResult", "MappingError", "Plan",
    "RestrictedUnpickler", "StateDict", "UnsafeCheckpointError", "find_state_dict",
    "import_checkpoint", "load_plan", "plan_for", "read_torch_file",
]
