"""Write ``torch.save``-layout files without torch, for the reader's tests.

The pickles name torch's globals (``torch._utils._rebuild_tensor_v2``,
``torch.FloatStorage``) exactly as torch writes them. Python's pickler only writes a
global it can import, so the objects live in stand-in modules (``_writer_torch``...)
registered for the duration of a dump, and the protocol-2 ``GLOBAL`` opcodes (plain
text ``c<module>\\n<name>\\n``) are renamed afterwards.
"""

import collections
import io
import pickle
import sys
import types
import zipfile

import numpy as np

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
STORAGE_NAMES = {np.dtype(np.float32): "FloatStorage", np.dtype(np.float64): "DoubleStorage",
                 np.dtype(np.float16): "HalfStorage", np.dtype(np.int64): "LongStorage",
                 np.dtype(np.uint8): "ByteStorage"}
_RENAMES = {"_writer_torch_utils": "torch._utils", "_writer_torch": "torch"}


def _module(name, **attrs):
    module = types.ModuleType(name)
    for key, value in attrs.items():
        value.__module__ = name
        value.__qualname__ = key
        value.__name__ = key
        setattr(module, key, value)
    return module


def _rebuild_tensor_v2(*args):
    raise AssertionError("never called: only its name is pickled")


_STORAGE_TYPES = {name: type(name, (), {}) for name in
                  list(STORAGE_NAMES.values()) + ["BFloat16Storage"]}
_MODULES = [_module("_writer_torch_utils", _rebuild_tensor_v2=_rebuild_tensor_v2),
            _module("_writer_torch", **_STORAGE_TYPES)]


class Storage:
    """A flat storage: ``data`` a 1-D numpy array; ``bfloat16`` stores uint16 bits."""

    def __init__(self, data, bfloat16=False):
        self.data = np.ascontiguousarray(data).ravel()
        self.name = "BFloat16Storage" if bfloat16 else STORAGE_NAMES[self.data.dtype]


class Tensor:
    """A strided view of a :class:`Storage`, pickled as torch pickles tensors."""

    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride

    @classmethod
    def of(cls, array):
        array = np.ascontiguousarray(array)
        strides = tuple(s // array.itemsize for s in array.strides)
        return cls(Storage(array), 0, array.shape, strides)

    def __reduce__(self):
        return (_rebuild_tensor_v2, (self.storage, self.offset, tuple(self.size),
                                     tuple(self.stride), False, collections.OrderedDict()))


class _Pickler(pickle.Pickler):
    def __init__(self, file, legacy):
        super().__init__(file, protocol=2)
        self.legacy = legacy
        self.keys = {}

    def persistent_id(self, obj):
        if not isinstance(obj, Storage):
            return None
        key = self.keys.setdefault(id(obj), (str(len(self.keys)), obj))[0]
        kind = _STORAGE_TYPES[obj.name]
        if self.legacy:
            return ("storage", kind, key, "cpu", obj.data.size, None)
        return ("storage", kind, key, "cpu", obj.data.size)


def _dump(obj, legacy, renames):
    saved = {m.__name__: sys.modules.get(m.__name__) for m in _MODULES}
    sys.modules.update({m.__name__: m for m in _MODULES})
    try:
        buffer = io.BytesIO()
        pickler = _Pickler(buffer, legacy)
        pickler.dump(obj)
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
    data = buffer.getvalue()
    for old, new in {**_RENAMES, **renames}.items():
        data = data.replace(b"c" + old.encode() + b"\n", b"c" + new.encode() + b"\n")
    return data, [storage for _, storage in pickler.keys.values()]


def save(obj, path, layout="zip", renames=None):
    """Write ``obj`` (tensors as :class:`Tensor`) in torch's ``zip`` or ``legacy`` layout.

    Args:
        obj: picklable object; :class:`Tensor` values become torch tensors.
        path: output file.
        layout: ``"zip"`` or ``"legacy"``.
        renames: optional ``{module written: module named in the file}`` for the
            pickle's ``GLOBAL`` opcodes (to name classes of modules that do not exist).
    """
    data, storages = _dump(obj, layout == "legacy", renames or {})
    if layout == "zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr("archive/data.pkl", data)
            archive.writestr("archive/byteorder", "little")
            for key, storage in enumerate(storages):
                archive.writestr(f"archive/data/{key}", storage.data.tobytes())
        return
    with open(path, "wb") as handle:
        for header in (LEGACY_MAGIC, 1001, {"protocol_version": 1001, "little_endian": True,
                                             "type_sizes": {"short": 2, "int": 4, "long": 4}}):
            pickle.dump(header, handle, protocol=2)
        handle.write(data)
        pickle.dump([str(k) for k in range(len(storages))], handle, protocol=2)
        for storage in storages:
            handle.write(np.int64(storage.data.size).tobytes())
            handle.write(storage.data.tobytes())
