"""Read PyTorch checkpoint files into numpy, without torch and without running their code.

Two layouts of ``torch.save`` are read:

- zip (torch >= 1.6): a zip archive ``<name>/data.pkl`` (the pickle) with one file
  ``<name>/data/<key>`` of raw little-endian bytes per storage;
- legacy (before 1.6, or ``_use_new_zipfile_serialization=False``): five things one after
  the other: a pickled magic number, the protocol version (1001), a dict of system info,
  the pickle, the list of storage keys, then per key an int64 element count and the raw
  bytes.

Both pickles go through :class:`~keras_sr.convert.unpickler.RestrictedUnpickler`, so
the result holds numpy arrays, plain Python containers and inert stand-ins for the
checkpoint's own classes.
"""

import io
import zipfile
from pathlib import Path

import numpy as np

from keras_sr.convert.unpickler import (ParameterRef, RestrictedUnpickler, StandIn,
                                        StorageType, TensorRef, UnsafeCheckpointError)

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001


class CheckpointFormatError(ValueError):
    """A file is not a checkpoint this reader understands, or is damaged."""


class _Storage:
    """A flat typed buffer of a checkpoint; legacy views point into a root storage."""

    def __init__(self, kind, numel, root=None, offset=0):
        self.kind = kind
        self.numel = int(numel)
        self.root = root
        self.offset = int(offset)
        self.data = None

    def array(self, path):
        if self.root is not None:
            return self.root.array(path)[self.offset:self.offset + self.numel]
        if self.data is None:
            raise CheckpointFormatError(f"{path}: a storage's bytes are missing from the file")
        return self.data


def _storage_kind(kind, path):
    if not isinstance(kind, StorageType):
        raise CheckpointFormatError(f"{path}: expected a torch storage type in a storage "
                                    f"record; got {kind!r}")
    return kind


def _tensor(ref, path):
    """Materialise a :class:`TensorRef` as a C-contiguous numpy array."""
    flat = ref.storage.array(path)
    kind = ref.kind or ref.storage.kind
    if kind.dtype != flat.dtype:
        flat = flat.view(np.uint8).view(kind.dtype)
    shape, stride = ref.size, ref.stride
    if len(stride) != len(shape):
        raise CheckpointFormatError(f"{path}: tensor size {shape} and stride {stride} differ "
                                    "in length")
    if 0 in shape:
        array = np.zeros(shape, dtype=flat.dtype)
    else:
        last = ref.offset + sum((n - 1) * s for n, s in zip(shape, stride))
        if ref.offset < 0 or min(stride, default=0) < 0 or last >= flat.size:
            raise CheckpointFormatError(
                f"{path}: a tensor of size {shape}, stride {stride}, offset {ref.offset} "
                f"reaches past its storage of {flat.size} elements")
        view = np.lib.stride_tricks.as_strided(
            flat[ref.offset:], shape=shape, strides=[s * flat.itemsize for s in stride],
            writeable=False)
        array = np.array(view, copy=True, order="C")
    if kind.name in ("BFloat16Storage", "bfloat16"):
        array = (array.astype(np.uint32) << 16).view(np.float32)
    return array


def _resolve(obj, path, seen):
    """Replace every :class:`TensorRef` in ``obj`` by its array (containers rebuilt)."""
    if id(obj) in seen:
        return seen[id(obj)]
    if isinstance(obj, TensorRef):
        result = _tensor(obj, path)
    elif isinstance(obj, ParameterRef):
        result = _resolve(obj.tensor, path, seen)
    elif isinstance(obj, dict):
        seen[id(obj)] = obj
        for key in list(obj):
            obj[key] = _resolve(obj[key], path, seen)
        result = obj
    elif isinstance(obj, list):
        seen[id(obj)] = obj
        obj[:] = [_resolve(v, path, seen) for v in obj]
        result = obj
    elif isinstance(obj, tuple):
        result = tuple(_resolve(v, path, seen) for v in obj)
    elif isinstance(obj, StandIn):
        seen[id(obj)] = obj
        object.__setattr__(obj, "state", _resolve(obj.state, path, seen))
        for key in list(obj.items):
            obj.items[key] = _resolve(obj.items[key], path, seen)
        obj.values[:] = [_resolve(v, path, seen) for v in obj.values]
        result = obj
    else:
        result = obj
    seen[id(obj)] = result
    return result


def _read_zip(path):
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        pickles = [n for n in names if n.endswith("/data.pkl") or n == "data.pkl"]
        if len(pickles) != 1:
            raise CheckpointFormatError(f"{path}: a zip but not a torch checkpoint (expected "
                                        f"one <name>/data.pkl; found {pickles or 'none'})")
        prefix = pickles[0][:-len("data.pkl")]
        if prefix + "byteorder" in names:
            order = archive.read(prefix + "byteorder").decode().strip()
            if order != "little":
                raise CheckpointFormatError(f"{path}: byte order {order!r} is not supported "
                                            "(only little-endian files)")
        storages = {}

        def persistent_load(pid):
            if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
                raise CheckpointFormatError(f"{path}: unexpected persistent id {pid!r}")
            _, kind, key, _location, numel = pid
            kind = _storage_kind(kind, path)
            if key not in storages:
                member = f"{prefix}data/{key}"
                if member not in names:
                    raise CheckpointFormatError(f"{path}: storage {member} is missing")
                raw = archive.read(member)
                storage = _Storage(kind, len(raw) // kind.dtype.itemsize)
                if storage.numel < int(numel):
                    raise CheckpointFormatError(
                        f"{path}: storage {member} holds {storage.numel} elements; the "
                        f"pickle expects {numel}")
                storage.data = np.frombuffer(raw, dtype=kind.dtype, count=storage.numel)
                storages[key] = storage
            return storages[key]

        obj = RestrictedUnpickler(io.BytesIO(archive.read(pickles[0])), persistent_load).load()
    return _resolve(obj, path, {})


def _read_legacy(path, handle):
    unpickle = RestrictedUnpickler
    try:
        magic = unpickle(handle).load()
    except UnsafeCheckpointError:
        raise
    except Exception as err:
        raise CheckpointFormatError(
            f"{path}: not a PyTorch checkpoint (neither a zip archive nor the legacy "
            f"format; the first pickle fails: {err})") from None
    if magic != LEGACY_MAGIC:
        raise CheckpointFormatError(f"{path}: not a PyTorch checkpoint (the first pickle is "
                                    f"{magic!r}, not torch's magic number)")
    version = unpickle(handle).load()
    if version != LEGACY_PROTOCOL:
        raise CheckpointFormatError(f"{path}: legacy protocol version {version!r} is not "
                                    f"supported (expected {LEGACY_PROTOCOL})")
    info = unpickle(handle).load()
    if not (isinstance(info, dict) and info.get("little_endian", False)):
        raise CheckpointFormatError(f"{path}: only little-endian legacy files are supported "
                                    f"(system info: {info!r})")
    roots = {}

    def persistent_load(pid):
        if isinstance(pid, tuple) and len(pid) == 4 and pid[0] == "module":
            return pid[1]  # the module's class (an inert stand-in); its source is ignored
        if not (isinstance(pid, tuple) and len(pid) == 6 and pid[0] == "storage"):
            raise CheckpointFormatError(f"{path}: unexpected persistent id {pid!r}")
        _, kind, key, _location, numel, view = pid
        kind = _storage_kind(kind, path)
        if key not in roots:
            roots[key] = _Storage(kind, numel)
        if view is None:
            return roots[key]
        _view_key, offset, view_numel = view
        return _Storage(kind, view_numel, root=roots[key], offset=offset)

    obj = unpickle(handle, persistent_load).load()
    keys = unpickle(handle).load()
    for key in keys:
        if key not in roots:
            raise CheckpointFormatError(f"{path}: storage {key!r} is stored but never used; "
                                        "cannot tell its element size")
        storage = roots[key]
        count = np.frombuffer(handle.read(8), dtype="<i8")
        if count.size != 1:
            raise CheckpointFormatError(f"{path}: the file ends inside storage {key!r}")
        nbytes = int(count[0]) * storage.kind.dtype.itemsize
        raw = handle.read(nbytes)
        if len(raw) != nbytes:
            raise CheckpointFormatError(f"{path}: the file ends inside storage {key!r} "
                                        f"({len(raw)} of {nbytes} bytes)")
        storage.numel = int(count[0])
        storage.data = np.frombuffer(raw, dtype=storage.kind.dtype)
    return _resolve(obj, path, {})


def read_torch_file(path):
    """Read a ``torch.save`` file (zip or legacy layout) into numpy, running none of it.

    Args:
        path: str or ``Path`` of a ``.pth`` / ``.pt`` / ``.pkl`` file.

    Returns:
        ``(obj, layout)``: the unpickled object (tensors as numpy arrays, torch modules
        and other classes as inert :class:`~keras_sr.convert.unpickler.StandIn`
        objects) and ``"zip"`` or ``"legacy"``.

    Raises:
        FileNotFoundError: no such file.
        CheckpointFormatError: not a torch checkpoint, or a damaged one.
        UnsafeCheckpointError: the pickle names or calls something outside the allowlist.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such checkpoint file: {path}")
    if zipfile.is_zipfile(path):
        return _read_zip(path), "zip"
    with open(path, "rb") as handle:
        return _read_legacy(path, handle), "legacy"
