"""``keras-sr mos make`` on a tiny set (bicubic + a tiny .keras model) and ``keras-sr mos
score`` against hand-computed MOS and intervals."""

import json
import math

import numpy as np
import pytest

from keras_sr.cli import main
from keras_sr.image.io import read_image
from keras_sr.metrics.protocol import bicubic_upscale, degrade, to_uint8


def test_mos_make_writes_a_blind_study(mos_set, tmp_path, capsys):
    out = tmp_path / "study"
    tiny = str(mos_set / "tiny.keras")
    assert main(["mos", "make", "--models", f"bicubic,{tiny}", "--dataset",
                 str(mos_set / "images"), "--scale", "2", "--out", str(out), "--seed", "3",
                 "--no-progress"]) == 0
    assert "4 trials per rater" in capsys.readouterr().out
    key = json.loads((out / "key.json").read_text())
    assert (key["mode"], key["scale"], key["models"]) == ("acr", 2, ["bicubic", tiny])
    assert key["images"] == ["a.png", "b.png"] and key["pairs"] == []
    assert sorted((v["model"], v["image"]) for v in key["items"].values()) == sorted(
        (m, i) for m in ("bicubic", tiny) for i in ("a.png", "b.png"))
    page = out / "page"
    assert sorted(p.name for p in page.iterdir()) == [
        "images", "index.html", "mos.js", "study.js", "style.css"]
    assert (out / "ratings").is_dir()
    # The page and its files never name a model; the ids are the only names.
    for path in page.rglob("*"):
        if path.is_file() and path.suffix != ".png":
            text = path.read_text()
            assert "bicubic" not in text and "tiny" not in text and "espcn" not in text
    public = json.loads((page / "study.js").read_text().split("=", 1)[1].rstrip().rstrip(";"))
    assert public["study"] == key["study"] and sorted(i["id"] for i in public["items"]) \
        == sorted(key["items"])
    # Images: x2 of the modcropped HR (37 -> 36 wide); bicubic is the protocol's bicubic.
    for item_id, item in key["items"].items():
        sr = read_image(page / item["file"])
        hr = read_image(mos_set / "images" / item["image"])
        assert sr.shape == (hr.shape[0] // 2 * 2, hr.shape[1] // 2 * 2, 3)
        if item["model"] == "bicubic":
            hr_255 = to_uint8(hr[:sr.shape[0], :sr.shape[1]])
            expected = to_uint8(bicubic_upscale(degrade(hr_255, 2), 2))
            np.testing.assert_array_equal(np.round(sr * 255), expected)
    # Same arguments, same study; a folder that holds a study is refused.
    again = tmp_path / "again"
    main(["mos", "make", "--models", f"bicubic,{tiny}", "--dataset", str(mos_set / "images"),
          "--scale", "2", "--out", str(again), "--seed", "3", "--no-progress"])
    assert json.loads((again / "key.json").read_text()) == key
    assert main(["mos", "make", "--models", f"bicubic,{tiny}", "--dataset",
                 str(mos_set / "images"), "--scale", "2", "--out", str(out)]) == 2
    assert "already holds a study" in capsys.readouterr().err


def test_mos_make_pairs_mode_and_bad_models(mos_set, tmp_path, capsys):
    out = tmp_path / "pairs"
    assert main(["mos", "make", "--models", f"bicubic,original,{mos_set / 'tiny.keras'}",
                 "--dataset", str(mos_set / "images"), "--scale", "2", "--out", str(out),
                 "--mode", "pairs", "--limit", "1", "--no-progress"]) == 0
    key = json.loads((out / "key.json").read_text())
    assert key["images"] == ["a.png"] and len(key["items"]) == 3 and len(key["pairs"]) == 3
    assert {frozenset((key["items"][p["a"]]["model"], key["items"][p["b"]]["model"]))
            for p in key["pairs"]} == {frozenset(("bicubic", "original")),
                                       frozenset(("bicubic", str(mos_set / "tiny.keras"))),
                                       frozenset(("original", str(mos_set / "tiny.keras")))}
    original = next(v for v in key["items"].values() if v["model"] == "original")
    hr = read_image(mos_set / "images" / "a.png")[:40, :36]
    np.testing.assert_array_equal(read_image(out / "page" / original["file"]), hr)
    capsys.readouterr()
    for models, message in [("bicubic", "at least two models"),
                            ("bicubic,bicubic", "each model once"),
                            ("bicubic,nosuchnet", "unknown model 'nosuchnet'")]:
        assert main(["mos", "make", "--models", models, "--dataset", str(mos_set / "images"),
                     "--scale", "2", "--out", str(tmp_path / "x")]) == 2
        assert message in capsys.readouterr().err


def _write(path, record):
    path.write_text(json.dumps(record))
    return str(path)


def test_mos_score_prints_and_writes_hand_computed_values(tmp_path, capsys):
    key = {"study": "abc", "mode": "acr", "models": ["bicubic", "net"], "items": {
        "i1": {"model": "bicubic", "image": "a.png"}, "i2": {"model": "net", "image": "a.png"},
        "i3": {"model": "bicubic", "image": "b.png"}, "i4": {"model": "net", "image": "b.png"},
        "i5": {"model": "bicubic", "image": "c.png"}, "i6": {"model": "net", "image": "c.png"}}}
    key_path = _write(tmp_path / "key.json", key)
    files = [_write(tmp_path / f"r{n}.json", {"study": "abc", "mode": "acr", "rater": f"r{n}",
                                              "ratings": [{"item": i, "score": s}
                                                          for i, s in scores.items()]})
             for n, scores in enumerate([{"i1": 3, "i2": 4, "i3": 4, "i4": 5, "i5": 5},
                                         {"i1": 4, "i2": 4, "i5": 3}])]
    out = tmp_path / "out" / "mos.json"
    assert main(["mos", "score", *files, "--key", key_path, "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    result = json.loads(out.read_text())
    # bicubic: 3, 4, 5, 4, 3: mean 3.8, s^2 = 2.8 / 4 = 0.7, t(0.975, 4) = 2.7764;
    # net: 4, 5, 4: mean 13/3, s^2 = (1/9 + 4/9 + 1/9) / 2 = 1/3, t(0.975, 2) = 4.3027
    bicubic, net = result["mos"]
    assert (bicubic["mos"], bicubic["n"]) == (pytest.approx(3.8), 5)
    assert bicubic["ci"] == pytest.approx(2.7764 * math.sqrt(0.7 / 5), abs=1e-4)
    assert net["mos"] == pytest.approx(13 / 3) and net["n"] == 3
    assert net["ci"] == pytest.approx(4.3027 * math.sqrt(1 / 3) / math.sqrt(3), abs=1e-4)
    # same rater, same image: a (r0: 3 < 4, r1: 4 = 4), b (r0: 4 < 5); c: bicubic only
    assert result["pairs"] == [{"a": "net", "b": "bicubic", "n": 3, "a_wins": 2, "ties": 1,
                                "rate": pytest.approx(2.5 / 3)}]
    assert "bicubic   3.80   1.04      [2.76, 4.84]      5" in printed
    assert "net       4.33   1.43      [2.90, 5.77]      3" in printed
    assert f"wrote {out}" in printed


def test_mos_score_errors_are_one_line(tmp_path, capsys):
    key_path = _write(tmp_path / "key.json", {"study": "abc", "mode": "pairs", "models": [],
                                              "items": {}})
    bad = _write(tmp_path / "bad.json", {"study": "other", "mode": "pairs", "ratings": []})
    assert main(["mos", "score", bad, "--key", key_path]) == 2
    assert "bad.json: ratings of study 'other'" in capsys.readouterr().err
    assert main(["mos", "score", str(tmp_path / "none.json"), "--key", key_path]) == 2
    assert "no such ratings file" in capsys.readouterr().err
    (tmp_path / "broken.json").write_text("{")
    assert main(["mos", "score", str(tmp_path / "broken.json"), "--key", key_path]) == 2
    assert "not a JSON file" in capsys.readouterr().err
