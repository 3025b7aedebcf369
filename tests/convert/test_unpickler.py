"""The restricted unpickler: allowlisted reconstruction works, anything else is refused
and nothing from the file runs."""

import io
import os
import pickle
import subprocess

import numpy as np
import pytest
import torch_writer

from keras_sr.convert import UnsafeCheckpointError, read_torch_file
from keras_sr.convert.unpickler import RestrictedUnpickler, StandIn


def _load(data):
    return RestrictedUnpickler(io.BytesIO(data)).load()


class SystemPayload:
    """Pickles as a call of os.system(command), the classic malicious checkpoint."""

    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


class PopenPayload:
    def __init__(self, argv):
        self.argv = argv

    def __reduce__(self):
        return (subprocess.Popen, (self.argv,))


def test_plain_containers_round_trip():
    obj = {"a": [1, 2.5, "x"], "b": (True, None), "c": {1, 2}, "d": b"\x00\xff",
           "e": frozenset("ab"), "f": np.float64(0.25)}
    for protocol in (0, 2, 4):
        assert _load(pickle.dumps(obj, protocol=protocol)) == obj


@pytest.mark.parametrize("protocol", [0, 2, 4])
def test_os_system_reduce_is_refused_and_not_run(tmp_path, protocol):
    marker = tmp_path / "marker"
    data = pickle.dumps({"model": SystemPayload(f"touch {marker}")}, protocol=protocol)
    with pytest.raises(UnsafeCheckpointError, match=r"names (posix|os)\.system"):
        _load(data)
    assert not marker.exists()


def test_hand_written_builtins_eval_is_refused(tmp_path):
    marker = tmp_path / "marker"
    source = f"open({str(marker)!r}, 'w').write('ran')"
    # GLOBAL builtins.eval, MARK, STRING source, TUPLE, REDUCE, STOP
    data = b"cbuiltins\neval\n(" + b"S" + repr(source).encode() + b"\ntR."
    with pytest.raises(UnsafeCheckpointError, match=r"builtins\.eval"):
        _load(data)
    assert not marker.exists()
    exec_data = b"c__builtin__\nexec\n(" + b"S" + repr(source).encode() + b"\ntR."
    with pytest.raises(UnsafeCheckpointError, match=r"builtins\.exec"):
        _load(exec_data)
    assert not marker.exists()


def test_subprocess_popen_is_refused(tmp_path):
    marker = tmp_path / "marker"
    with pytest.raises(UnsafeCheckpointError, match=r"subprocess\.Popen"):
        _load(pickle.dumps(PopenPayload(["touch", str(marker)]), protocol=2))
    assert not marker.exists()


def test_calling_an_unknown_non_stdlib_global_is_refused(tmp_path):
    # GLOBAL numpy.testing.assert_equal then REDUCE: not stdlib, so it becomes a stand-in,
    # and calling a stand-in is refused (the module is never imported).
    data = b"cnumpy.testing\nassert_equal\n(I1\nI2\ntR."
    with pytest.raises(UnsafeCheckpointError, match=r"calls numpy\.testing\.assert_equal"):
        _load(data)


def test_unknown_classes_become_inert_stand_ins():
    data = (b"\x80\x02cmynet\nNet\nq\x00)\x81}q\x01(X\x01\x00\x00\x00aK\x07ub.")
    obj = _load(data)
    assert isinstance(obj, StandIn)
    assert obj.torch_class == "mynet.Net"
    assert obj.state == {"a": 7}


@pytest.mark.parametrize("layout", ["zip", "legacy"])
def test_malicious_checkpoint_file_is_refused_and_not_run(tmp_path, layout):
    marker = tmp_path / "marker"
    path = tmp_path / f"evil_{layout}.pth"
    weight = torch_writer.Tensor.of(np.ones((4, 1, 3, 3), dtype=np.float32))
    torch_writer.save({"conv.weight": weight, "hook": SystemPayload(f"touch {marker}")},
                      path, layout=layout)
    with pytest.raises(UnsafeCheckpointError, match=r"(posix|os)\.system") as err:
        read_torch_file(path)
    assert "nothing was executed" in str(err.value)
    assert not marker.exists()
    # the same file without the payload reads fine
    torch_writer.save({"conv.weight": weight}, path, layout=layout)
    obj, found_layout = read_torch_file(path)
    assert found_layout == layout
    np.testing.assert_array_equal(obj["conv.weight"], np.ones((4, 1, 3, 3)))
