"""``keras-sr models`` prints the model table (text and JSON)."""

import json

from keras_sr.cli import main


def test_json_output(capsys):
    assert main(["models", "--json", "--scale", "3", "--channels", "1",
                 "--names", "espcn", "srcnn"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["name"] for row in rows] == ["espcn", "srcnn"]
    assert rows[0]["params"] == 22729 and rows[1]["params"] == 8129
    assert rows[1]["macs_per_pixel"] == 8032


def test_table_output_and_bad_name(capsys):
    assert main(["models", "--names", "fsrcnn", "patch_discriminator"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["name", "strategy", "scale", "params", "MACs/pixel"]
    assert "post-upsampling" in out and "(in)" in out
    assert main(["models", "--names", "nope"]) == 2
    assert "valid names" in capsys.readouterr().out
