"""A restricted unpickler for PyTorch checkpoints: it never imports or calls what the file names.

A pickle is a small program: ``GLOBAL module name`` looks a callable up and ``REDUCE``
calls it, which is how a checkpoint can run ``os.system``. This unpickler resolves every
global itself, without importing anything:

- an allowlist of reconstruction callables is served by this module's own functions
  (``collections.OrderedDict``, ``torch._utils._rebuild_tensor*`` and
  ``_rebuild_parameter*``, ``copyreg._reconstructor``, numpy scalars), tensors come back
  as :class:`TensorRef` (resolved to numpy arrays by the file reader once the storage
  bytes are read);
- torch storage types and dtypes (``torch.FloatStorage``, ``torch.float32``) are inert
  markers;
- any other global from the Python standard library (``builtins.eval``, ``os.system``,
  ``subprocess.Popen``, ...) is refused at once with :class:`UnsafeCheckpointError`;
- any other global (the checkpoint's own classes, ``torch.nn`` modules) becomes an inert
  stand-in class: it may be instantiated without arguments (``NEWOBJ``, how pickle
  rebuilds plain objects), its state is stored, never interpreted; calling it (``REDUCE``)
  is refused with :class:`UnsafeCheckpointError`.
"""

import _compat_pickle
import collections
import pickle
import sys

import numpy as np

# torch storage class names -> numpy dtype (bfloat16 is read as its uint16 bits).
STORAGE_DTYPES = {
    "DoubleStorage": np.float64, "FloatStorage": np.float32, "HalfStorage": np.float16,
    "BFloat16Storage": np.uint16, "LongStorage": np.int64, "IntStorage": np.int32,
    "ShortStorage": np.int16, "CharStorage": np.int8, "ByteStorage": np.uint8,
    "BoolStorage": np.bool_, "UntypedStorage": np.uint8,
}

# torch dtype names (``torch.float32`` and its aliases) -> numpy dtype.
TORCH_DTYPES = {
    "float64": np.float64, "double": np.float64, "float32": np.float32, "float": np.float32,
    "float16": np.float16, "half": np.float16, "bfloat16": np.uint16, "int64": np.int64,
    "long": np.int64, "int32": np.int32, "int": np.int32, "int16": np.int16,
    "short": np.int16, "int8": np.int8, "uint8": np.uint8, "bool": np.bool_,
}


class UnsafeCheckpointError(ValueError):
    """A checkpoint's pickle names or calls something outside the allowlist."""


class StorageType:
    """Inert marker for a torch storage class (``torch.FloatStorage``) or dtype.

    Args:
        name: str, the torch name (``FloatStorage``, ``float32``).
        dtype: the numpy dtype its elements are read as (bfloat16 as ``uint16`` bits).
    """

    def __init__(self, name, dtype):
        self.name = name
        self.dtype = np.dtype(dtype)

    def __repr__(self):
        return f"<torch {self.name}>"


class TensorRef:
    """A tensor met while unpickling: a strided view of a storage, read later.

    Args:
        storage: the object the file reader's ``persistent_load`` returned for it.
        offset: int, first element in the storage.
        size: tuple of ints, the tensor shape.
        stride: tuple of ints, element strides.
        kind: :class:`StorageType` of the elements (``torch.float32``), or None for the
            storage's own.
    """

    def __init__(self, storage, offset, size, stride, kind=None):
        self.storage = storage
        self.offset = int(offset)
        self.size = tuple(int(n) for n in size)
        self.stride = tuple(int(s) for s in stride)
        self.kind = kind


class ParameterRef:
    """An old-style pickled ``torch.nn.Parameter(data)``: its state (``requires_grad``,
    hooks), set by a following ``BUILD``, is dropped; the file reader keeps ``tensor``."""

    def __init__(self, tensor):
        self.tensor = tensor

    def __setstate__(self, state):
        pass


class StandIn:
    """Base of the inert classes that replace unknown globals.

    ``torch_class`` is the global's ``module.name``; ``state`` holds whatever the pickle
    set with ``BUILD`` (a torch module's ``__dict__``); items and appended values are kept
    too. Nothing of it is ever called.
    """

    torch_class = "?"

    def __new__(cls, *args, **kwargs):
        instance = object.__new__(cls)
        object.__setattr__(instance, "state", None)
        object.__setattr__(instance, "items", {})
        object.__setattr__(instance, "values", [])
        return instance

    def __setstate__(self, state):
        object.__setattr__(self, "state", state)

    def __setitem__(self, key, value):
        self.items[key] = value

    def append(self, value):
        self.values.append(value)

    def extend(self, values):
        self.values.extend(values)

    def __repr__(self):
        return f"<stand-in for {self.torch_class}>"


class _StandInType(type):
    """Metaclass of the stand-ins: calling one (a pickle ``REDUCE``) is refused."""

    def __call__(cls, *args, **kwargs):
        raise UnsafeCheckpointError(
            f"the checkpoint calls {cls.torch_class}, which is not in the allowlist of "
            "reconstruction functions; refusing to load it (nothing was executed)")


def _rebuild_tensor(storage, storage_offset, size, stride):
    return TensorRef(storage, storage_offset, size, stride)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    return TensorRef(storage, storage_offset, size, stride)


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, dtype=None, metadata=None):
    if not isinstance(dtype, StorageType):
        raise UnsafeCheckpointError(f"_rebuild_tensor_v3: expected a torch dtype; got {dtype!r}")
    return TensorRef(storage, storage_offset, size, stride, dtype)


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None, state=None):
    return data


def _parameter(data=None, requires_grad=True):
    return ParameterRef(data)


def _reconstructor(cls, base, state):
    # copyreg._reconstructor(cls, object, None): how protocols 0/1 rebuild plain objects.
    if not (isinstance(cls, type) and issubclass(cls, StandIn)) or base is not object:
        raise UnsafeCheckpointError(
            f"copyreg._reconstructor called with {cls!r}, {base!r}; only the plain object "
            "reconstruction of a checkpoint class is allowed")
    return cls.__new__(cls)


def _torch_size(dims=()):
    return tuple(int(n) for n in dims)


def _torch_device(kind, index=None):
    if not isinstance(kind, str):
        raise UnsafeCheckpointError(f"torch.device: expected a device name; got {kind!r}")
    return kind if index is None else f"{kind}:{int(index)}"


def _no_backend():
    # torch < 1.0 pickled each module's THNN backend as this call; it carries no data.
    return None


def _set(items=()):
    if not isinstance(items, (list, tuple)):
        raise UnsafeCheckpointError(f"builtins.set: expected a list of items; got {items!r}")
    return set(items)


def _frozenset(items=()):
    return frozenset(_set(items))


def _encode(text, encoding="latin1"):
    # how protocol 2 pickles Python 3 bytes: _codecs.encode(text, "latin1")
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise UnsafeCheckpointError(f"_codecs.encode: only (str, 'latin1') is read; got "
                                    f"{encoding!r}")
    return text.encode("latin1")


def _numpy_dtype(name, align=False, copy=True):
    dtype = np.dtype(name) if isinstance(name, str) else None
    if dtype is None or dtype.kind in "OV":
        raise UnsafeCheckpointError(f"numpy.dtype: only plain numeric dtypes are read; got "
                                    f"{name!r}")
    return dtype


def _numpy_scalar(dtype, data=None):
    if isinstance(data, str):
        data = data.encode("latin1")  # a Python 2 pickle's byte string
    if not isinstance(dtype, np.dtype) or dtype.kind in "OV" or not isinstance(data, bytes):
        raise UnsafeCheckpointError(f"numpy scalar: only plain numeric scalars are read; got "
                                    f"{dtype!r}")
    return np.frombuffer(data, dtype=dtype)[0]


_ALLOWED = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("copyreg", "_reconstructor"): _reconstructor,
    ("builtins", "set"): _set,
    ("builtins", "frozenset"): _frozenset,
    ("_codecs", "encode"): _encode,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_tensor_v3"): _rebuild_tensor_v3,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch.nn.backends.thnn", "_get_thnn_function_backend"): _no_backend,
    ("torch.nn.parameter", "Parameter"): _parameter,
    ("torch", "Size"): _torch_size,
    ("torch", "device"): _torch_device,
    ("numpy", "dtype"): _numpy_dtype,
    ("numpy.core.multiarray", "scalar"): _numpy_scalar,
    ("numpy._core.multiarray", "scalar"): _numpy_scalar,
}
for _name, _dtype in STORAGE_DTYPES.items():
    _ALLOWED[("torch", _name)] = StorageType(_name, _dtype)
    _ALLOWED[("torch.cuda", _name)] = StorageType(_name, _dtype)
for _name, _dtype in TORCH_DTYPES.items():
    _ALLOWED[("torch", _name)] = StorageType(_name, _dtype)

# Standard-library classes that checkpoints hold as plain records (a training run's args).
_INERT_STDLIB = {("argparse", "Namespace")}


def is_stdlib(module):
    """True if ``module`` (a dotted name) belongs to Python's standard library.

    Example:
        >>> is_stdlib("os.path"), is_stdlib("torch.nn.modules.conv")
        (True, False)
    """
    return module.split(".")[0] in sys.stdlib_module_names


class RestrictedUnpickler(pickle.Unpickler):
    """``pickle.Unpickler`` whose globals come from the allowlist or are inert stand-ins.

    Args:
        file: binary file object positioned at a pickle.
        persistent_load: callable ``pid -> object`` for torch's persistent ids (storages,
            legacy module classes), or None to refuse persistent ids.

    Example:
        >>> import io, pickle
        >>> RestrictedUnpickler(io.BytesIO(pickle.dumps({"a": 1}))).load()
        {'a': 1}
    """

    def __init__(self, file, persistent_load=None):
        # Python 2 pickles hold byte strings; latin-1 maps each byte to one character and
        # never fails (names are ASCII; the module source text pickled beside is unused).
        super().__init__(file, encoding="latin1")
        self._persistent = persistent_load
        self._stand_ins = {}

    def find_class(self, module, name):
        # Python 2 names (__builtin__, copy_reg, commands) -> Python 3, as pickle does; a
        # renaming of strings, nothing is imported.
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
        key = (module, name)
        if key in _ALLOWED:
            return _ALLOWED[key]
        if is_stdlib(module) and key not in _INERT_STDLIB:
            raise UnsafeCheckpointError(
                f"the checkpoint names {module}.{name}, a standard-library global outside "
                "the allowlist of reconstruction functions; refusing to load it (nothing "
                "was executed)")
        if key not in self._stand_ins:
            self._stand_ins[key] = _StandInType(name.split(".")[-1], (StandIn,),
                                                {"torch_class": f"{module}.{name}",
                                                 "__module__": __name__})
        return self._stand_ins[key]

    def persistent_load(self, pid):
        if self._persistent is None:
            raise UnsafeCheckpointError(f"unexpected persistent id {pid!r} in a plain pickle")
        return self._persistent(pid)
