"""Reading torch's zip and legacy layouts: tensors, strides, dtypes, pickled modules."""

import collections

import numpy as np
import pytest
import torch_writer

from keras_sr.convert import CheckpointFormatError, find_state_dict, read_torch_file


class Module:
    """Pickles like a torch ``nn.Module``: NEWOBJ of its class, then BUILD of __dict__."""

    def __init__(self, parameters=(), modules=(), **attributes):
        self.__dict__.update(attributes)
        self._parameters = collections.OrderedDict(parameters)
        self._buffers = collections.OrderedDict()
        self._modules = collections.OrderedDict(modules)


class Net(Module):
    pass


class Conv2d(Module):
    pass


@pytest.fixture
def arrays():
    rng = np.random.default_rng(0)
    return {"w": rng.standard_normal((4, 2, 3, 3)).astype(np.float32),
            "h": rng.standard_normal((5, 3)).astype(np.float16),
            "d": rng.standard_normal((2, 2)),
            "i": np.arange(6, dtype=np.int64).reshape(2, 3)}


@pytest.mark.parametrize("layout", ["zip", "legacy"])
def test_state_dict_round_trip(tmp_path, arrays, layout):
    path = tmp_path / "sd.pth"
    state = collections.OrderedDict((k, torch_writer.Tensor.of(v)) for k, v in arrays.items())
    torch_writer.save(state, path, layout=layout)
    obj, found = read_torch_file(path)
    assert found == layout
    assert list(obj) == list(arrays)
    for key, value in arrays.items():
        assert obj[key].dtype == value.dtype
        np.testing.assert_array_equal(obj[key], value)


@pytest.mark.parametrize("layout", ["zip", "legacy"])
def test_strided_offset_and_shared_storages(tmp_path, layout):
    base = np.arange(24, dtype=np.float32)
    storage = torch_writer.Storage(base)
    transposed = torch_writer.Tensor(storage, 0, (3, 4), (1, 3))   # a (4, 3) tensor's .T
    sliced = torch_writer.Tensor(storage, 5, (2, 3), (6, 2))       # base[5::..] view
    path = tmp_path / "views.pth"
    torch_writer.save({"t": transposed, "s": sliced}, path, layout=layout)
    obj, _ = read_torch_file(path)
    np.testing.assert_array_equal(obj["t"], base[:12].reshape(4, 3).T)
    np.testing.assert_array_equal(obj["s"], [[5, 7, 9], [11, 13, 15]])
    assert obj["t"].flags.c_contiguous


def test_bfloat16_is_widened_to_float32(tmp_path):
    values = np.array([1.0, -2.5, 0.15625, 3e38], dtype=np.float32)
    bits = (values.view(np.uint32) >> 16).astype(np.uint16)  # exact: low bits are zero
    tensor = torch_writer.Tensor(torch_writer.Storage(bits, bfloat16=True), 0, (4,), (1,))
    torch_writer.save({"b": tensor}, tmp_path / "bf16.pth")
    obj, _ = read_torch_file(tmp_path / "bf16.pth")
    assert obj["b"].dtype == np.float32
    np.testing.assert_array_equal(obj["b"], (bits.astype(np.uint32) << 16).view(np.float32))


@pytest.mark.parametrize("layout", ["zip", "legacy"])
def test_pickled_module_of_unknown_classes(tmp_path, layout):
    rng = np.random.default_rng(1)
    w1, w2 = (rng.standard_normal((8, 1, 3, 3)).astype(np.float32),
              rng.standard_normal((1, 8, 3, 3)).astype(np.float32))
    conv = Conv2d({"weight": torch_writer.Tensor.of(w1), "bias": None}.items(),
                  kernel_size=(3, 3), padding=(1, 1), transposed=False)
    body = Module(modules={"0": Conv2d({"weight": torch_writer.Tensor.of(w2)}.items(),
                                       kernel_size=(3, 3))}.items())
    net = Net(modules={"head": conv, "body": body}.items())
    path = tmp_path / "module.pth"
    # the classes are named mynet.* in the file: a module that does not exist here
    torch_writer.save({"epoch": 3, "model": net}, path, layout=layout,
                      renames={__name__: "mynet"})
    state = find_state_dict(read_torch_file(path)[0])
    assert list(state.tensors) == ["head.weight", "body.0.weight"]
    np.testing.assert_array_equal(state.tensors["head.weight"], w1)
    np.testing.assert_array_equal(state.tensors["body.0.weight"], w2)
    assert state.modules["head"].torch_class == "mynet.Conv2d"
    assert state.modules["head"].attributes["padding"] == (1, 1)
    assert state.modules[""].torch_class == "mynet.Net"
    assert state.source == "'model' (a pickled mynet.Net)"


def test_state_dict_choice_and_data_parallel_prefix():
    ones = np.ones((2, 1, 3, 3), dtype=np.float32)
    found = find_state_dict({"params": {"module.conv.weight": ones},
                             "params_ema": {"module.conv.weight": 2 * ones}})
    assert found.source == "'params_ema' (a state dict)"
    assert list(found.tensors) == ["conv.weight"]
    assert found.tensors["conv.weight"][0, 0, 0, 0] == 2
    chosen = find_state_dict({"params": {"c.weight": ones}, "params_ema": {}}, key="params")
    assert chosen.source == "'params' (a state dict)"
    with pytest.raises(ValueError, match="no entry 'ema'; entries: 'params'"):
        find_state_dict({"params": {}}, key="ema", path="f.pth")
    with pytest.raises(ValueError, match="f.pth: no tensors found"):
        find_state_dict({"epoch": 1}, path="f.pth")


def test_not_a_checkpoint_and_truncated_files(tmp_path):
    text = tmp_path / "notes.pth"
    text.write_text("hello")
    with pytest.raises(CheckpointFormatError, match="notes.pth: not a PyTorch checkpoint"):
        read_torch_file(text)
    with pytest.raises(FileNotFoundError, match="no such checkpoint file"):
        read_torch_file(tmp_path / "missing.pth")
    path = tmp_path / "legacy.pth"
    torch_writer.save({"w": torch_writer.Tensor.of(np.ones(100, np.float32))}, path,
                      layout="legacy")
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(CheckpointFormatError, match="ends inside storage '0'"):
        read_torch_file(path)
