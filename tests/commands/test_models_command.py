"""``keras-sr models`` prints the model table (text and JSON)."""

import json

import pytest

from keras_sr.cli import main


def test_json_output(capsys):
    assert main(["models", "--json", "--scale", "3", "--channels", "1",
                 "--names", "espcn", "srcnn"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["name"] for row in rows] == ["espcn", "srcnn"]
    assert rows[0]["params"] == 22729 and rows[1]["params"] == 8129
    assert rows[1]["macs_per_pixel"] == 8032
    assert [row["channels"] for row in rows] == [1, 1]
    assert rows[0]["shipped_weights"] == [{"scale": 3, "channels": 1}]
    assert (rows[0]["pretrained"], rows[1]["pretrained"]) == (True, False)


def test_table_output(capsys):
    assert main(["models", "--names", "fsrcnn", "edsr", "patch_discriminator"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["name", "strategy", "scale", "channels", "params",
                                "MACs/pixel", "shipped", "weights"]
    fsrcnn, edsr, patch = lines[2].split(), lines[3].split(), lines[4].split()
    assert fsrcnn[:4] == ["fsrcnn", "post-upsampling", "x4", "3"]
    assert " ".join(fsrcnn[-6:]) == "x2 x3 x4 on 1 ch"
    assert edsr[-1] == "-"
    assert patch[-2:] == ["(in)", "-"]


@pytest.mark.parametrize("argv,message", [
    (["--scale", "0"], "--scale must be an integer >= 2 (the smallest scale of any model); "
                       "got 0"),
    (["--names", "nope"], "Unknown model 'nope'; valid names: srcnn"),
])
def test_bad_arguments_are_one_line(capsys, argv, message):
    assert main(["models", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and message in captured.err
