"""Find the weights in an unpickled checkpoint: a flat ``name -> array`` dict like torch's.

Checkpoints hold a plain state dict (``{"conv1.weight": tensor, ...}``), a dict around one
(``{"epoch": 50, "state_dict": {...}}``), or a whole pickled ``nn.Module`` whose classes
are unknown here (read as :class:`~keras_sr.convert.unpickler.StandIn`). A module's
``_parameters``, ``_buffers`` and ``_modules`` are walked the way ``Module.state_dict``
names them; its plain attributes (``kernel_size``, ``padding``, ``negative_slope``,
``transposed``) are kept as :class:`ModuleInfo` so the mapping can check them.
"""

import dataclasses

import numpy as np

from keras_sr.convert.unpickler import StandIn

# Entries of a checkpoint dict that hold the model's weights, most preferred first.
WEIGHT_KEYS = ("params_ema", "params", "state_dict", "model_state_dict", "model", "net",
               "generator", "netG", "G")

_SIMPLE = (bool, int, float, str, tuple, type(None))


@dataclasses.dataclass
class ModuleInfo:
    """One pickled torch module: its class (``torch.nn.modules.conv.Conv2d``) and plain
    attributes (``{"kernel_size": (3, 3), "padding": (1, 1), ...}``)."""

    torch_class: str
    attributes: dict


@dataclasses.dataclass
class StateDict:
    """The weights found in a checkpoint.

    Attributes:
        tensors: dict ``name -> numpy array`` in the file's order (torch's shapes, e.g.
            conv weights ``(out, in, kh, kw)``).
        modules: dict ``module name -> ModuleInfo`` (empty for a plain state dict; the
            root module is ``""``).
        source: str, where the weights were found (``"'model' (a pickled vdsr.Net)"``).
    """

    tensors: dict
    modules: dict
    source: str


def _is_module(obj):
    return (isinstance(obj, StandIn) and isinstance(obj.state, dict)
            and "_parameters" in obj.state and "_modules" in obj.state)


def _walk_module(module, prefix, tensors, modules):
    state = module.state
    modules[prefix.rstrip(".")] = ModuleInfo(
        module.torch_class,
        {k: v for k, v in state.items() if not k.startswith("_") and isinstance(v, _SIMPLE)})
    skipped = state.get("_non_persistent_buffers_set") or set()
    for group in ("_parameters", "_buffers"):
        for name, value in (state.get(group) or {}).items():
            if isinstance(value, np.ndarray) and name not in skipped:
                tensors[prefix + name] = value
    for name, child in (state.get("_modules") or {}).items():
        if _is_module(child):
            _walk_module(child, f"{prefix}{name}.", tensors, modules)


def _walk(obj, prefix, tensors, modules, depth=0):
    if depth > 64:
        return
    if isinstance(obj, np.ndarray) and obj.dtype.kind in "fiub":
        tensors[prefix.rstrip(".")] = obj
    elif _is_module(obj):
        _walk_module(obj, prefix, tensors, modules)
    elif isinstance(obj, dict):
        for key, value in obj.items():
            if isinstance(key, (str, int)):
                _walk(value, f"{prefix}{key}.", tensors, modules, depth + 1)
    elif isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            _walk(value, f"{prefix}{i}.", tensors, modules, depth + 1)
    elif isinstance(obj, StandIn):
        _walk(obj.state, prefix, tensors, modules, depth + 1)
        _walk(obj.items, prefix, tensors, modules, depth + 1)


def _describe(obj):
    if _is_module(obj):
        return f"a pickled {obj.torch_class}"
    if isinstance(obj, dict):
        return "a state dict"
    return type(obj).__name__


def _strip_prefix(tensors, modules, prefix):
    if tensors and all(name.startswith(prefix) for name in tensors):
        tensors = {name[len(prefix):]: value for name, value in tensors.items()}
        modules = {name[len(prefix):]: info for name, info in modules.items()
                   if name.startswith(prefix)}
    return tensors, modules


def find_state_dict(obj, key=None, path="checkpoint"):
    """The weights of an unpickled checkpoint as a flat state dict.

    Args:
        obj: what :func:`~keras_sr.convert.torch_file.read_torch_file` returned.
        key: optional entry of a checkpoint dict to take the weights from (e.g.
            ``"params_ema"``); default: the first of ``WEIGHT_KEYS`` present, else the
            dict itself when it holds tensors directly.
        path: the file name, for messages.

    Returns:
        :class:`StateDict`; a DataParallel ``module.`` prefix is dropped.

    Raises:
        ValueError: ``key`` is missing, or no tensors are found.

    Example:
        >>> import numpy as np
        >>> weights = {"conv.weight": np.ones((2, 1, 3, 3))}
        >>> found = find_state_dict({"epoch": 3, "state_dict": weights})
        >>> list(found.tensors), found.source
        (['conv.weight'], "'state_dict' (a state dict)")
    """
    where = "the file's top object"
    if isinstance(obj, dict) and not _is_module(obj):
        if key is not None:
            if key not in obj:
                raise ValueError(f"{path}: no entry {key!r}; entries: "
                                 f"{', '.join(map(repr, obj))}")
            chosen = key
        else:
            chosen = next((k for k in WEIGHT_KEYS if k in obj), None)
            if chosen is None:
                direct = [k for k, v in obj.items() if isinstance(v, np.ndarray)]
                holders = [k for k in obj if _count(obj[k])]
                if not direct and len(holders) == 1:
                    chosen = holders[0]
        if chosen is not None:
            obj = obj[chosen]
            where = f"{chosen!r} ({_describe(obj)})"
        else:
            where = f"the file's top object ({_describe(obj)})"
    elif key is not None:
        raise ValueError(f"{path}: `key` {key!r} given, but the checkpoint is not a dict")
    else:
        where = f"the file's top object ({_describe(obj)})"
    tensors, modules = {}, {}
    _walk(obj, "", tensors, modules)
    if not tensors:
        raise ValueError(f"{path}: no tensors found in {where}")
    tensors, modules = _strip_prefix(tensors, modules, "module.")
    return StateDict(tensors, modules, where)


def _count(obj):
    tensors = {}
    _walk(obj, "", tensors, {})
    return len(tensors)
