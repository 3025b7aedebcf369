"""MOS study page end to end: ``keras-sr mos make`` writes a study on a tiny set, scripted
raters click through every trial in headless Chromium with fixed answers
(web_demo/mos_e2e.mjs; one rater over http, one from disk), their downloaded ratings
JSON is scored by ``keras-sr mos score`` and the scores are the hand-computed ones."""

import json
import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from keras_sr.cli import main

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "web_demo"
CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("node") is None, reason="node not installed"),
    pytest.mark.skipif(not CHROMIUM.is_file(),
                       reason="chromium missing: apt-get install -y chromium"),
    pytest.mark.skipif(not (WEB / "node_modules" / "playwright-core").is_dir(),
                       reason="web_demo/node_modules missing: cd web_demo && npm ci"),
]


def _short(label):
    """The key's label of a model, with the tiny .keras file's path as "tiny"."""
    return "tiny" if label.endswith("tiny.keras") else label


def _study(mos_set, tmp_path, mode, names):
    out = tmp_path / mode
    models = ",".join(str(mos_set / "tiny.keras") if n == "tiny" else n for n in names)
    assert main(["mos", "make", "--models", models, "--dataset", str(mos_set / "images"),
                 "--scale", "2", "--out", str(out), "--mode", mode, "--seed", "5",
                 "--no-progress"]) == 0
    key = json.loads((out / "key.json").read_text())
    model_of = {i: _short(v["model"]) for i, v in key["items"].items()}
    image_of = {i: v["image"] for i, v in key["items"].items()}
    return out, key, model_of, image_of


def _rate_in_chromium(study, raters, tmp_path):
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"raters": raters}))
    result = subprocess.run(["node", "mos_e2e.mjs", "--page", str(study / "page"), "--answers",
                             str(answers), "--out", str(study / "ratings")], cwd=WEB,
                            capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert re.search(rf"^mos-e2e: {len(raters)} passed, 0 failed$", output, re.M), output
    assert re.search(r"^ok   r1: .* over http", output, re.M), output
    assert re.search(r"^ok   r2: .* over file", output, re.M), output
    return [json.loads((study / "ratings" / f"ratings_{r['name']}.json").read_text())
            for r in raters]


def _score(study, tmp_path):
    out = tmp_path / f"{study.name}_scores.json"
    files = sorted(str(p) for p in (study / "ratings").glob("ratings_*.json"))
    assert main(["mos", "score", *files, "--key", str(study / "key.json"), "--json",
                 str(out)]) == 0
    return json.loads(out.read_text())


def test_acr_study_rated_in_chromium_scores_as_answered(mos_set, tmp_path):
    study, key, model_of, image_of = _study(mos_set, tmp_path, "acr", ["bicubic", "tiny"])
    # r1: a.png bicubic 2 / tiny 4, b.png 3 / 3; r2: a.png 1 / 4, b.png 2 / 5
    table = {"r1": {("bicubic", "a.png"): 2, ("tiny", "a.png"): 4,
                    ("bicubic", "b.png"): 3, ("tiny", "b.png"): 3},
             "r2": {("bicubic", "a.png"): 1, ("tiny", "a.png"): 4,
                    ("bicubic", "b.png"): 2, ("tiny", "b.png"): 5}}
    raters = [{"name": name, "seed": seed,
               "acr": {i: scores[(model_of[i], image_of[i])] for i in key["items"]}}
              for (name, scores), seed in zip(table.items(), (11, 12))]
    saved = _rate_in_chromium(study, raters, tmp_path)
    for record, rater in zip(saved, raters):
        assert (record["study"], record["mode"], record["rater"], record["seed"]) == (
            key["study"], "acr", rater["name"], rater["seed"])
        assert sorted(r["item"] for r in record["ratings"]) == sorted(key["items"])
        assert all(r["score"] == rater["acr"][r["item"]] for r in record["ratings"])
    orders = [[r["item"] for r in record["ratings"]] for record in saved]
    assert orders[0] != orders[1], "the two raters' seeds gave the same order"

    result = _score(study, tmp_path)
    bicubic, tiny = result["mos"]
    # bicubic 2, 3, 1, 2 and tiny 4, 3, 4, 5: means 2 and 4, s^2 = 2/3 each, n = 4,
    # half-width t(0.975, 3) * s / 2 with t(0.975, 3) = 3.1824 (table)
    half = 3.1824 * math.sqrt(2 / 3) / 2
    assert (bicubic["model"], bicubic["mos"], bicubic["n"]) == ("bicubic", 2.0, 4)
    assert (tiny["mos"], tiny["n"]) == (4.0, 4)
    assert bicubic["ci"] == pytest.approx(half, abs=1e-4)
    assert tiny["ci"] == pytest.approx(half, abs=1e-4)
    # tiny beats bicubic for r1 on a.png, r2 on both; tie r1 on b.png -> 3.5 / 4
    (pair,) = result["pairs"]
    assert (_short(pair["a"]), pair["a_wins"], pair["ties"], pair["rate"]) == (
        "tiny", 3, 1, 0.875)


def test_pairs_study_rated_in_chromium_scores_as_answered(mos_set, tmp_path):
    study, key, model_of, image_of = _study(mos_set, tmp_path, "pairs",
                                            ["bicubic", "tiny", "original"])
    assert len(key["pairs"]) == 6
    # r1 prefers original > tiny > bicubic everywhere; r2 too on a.png, the reverse on b.png
    order = {"original": 3, "tiny": 2, "bicubic": 1}
    raters = [{"name": "r1", "seed": 21, "prefer": {i: order[model_of[i]] for i in key["items"]}},
              {"name": "r2", "seed": 22, "prefer": {
                  i: order[model_of[i]] * (1 if image_of[i] == "a.png" else -1)
                  for i in key["items"]}}]
    saved = _rate_in_chromium(study, raters, tmp_path)
    sides = set()
    by_id = {p["id"]: p for p in key["pairs"]}
    for record, rater in zip(saved, raters):
        assert sorted(r["pair"] for r in record["ratings"]) == sorted(by_id)
        for r in record["ratings"]:
            pair = by_id[r["pair"]]
            assert {r["left"], r["right"]} == {pair["a"], pair["b"]}
            sides.add(r["left"] == pair["a"])
            preferred = r["left"] if r["choice"] == "left" else r["right"]
            assert rater["prefer"][preferred] == max(rater["prefer"][r["left"]],
                                                     rater["prefer"][r["right"]])
    assert sides == {True, False}, "the page never swapped the sides"

    result = _score(study, tmp_path)
    assert result["mos"] == []
    rows = {(_short(r["a"]), _short(r["b"])): r for r in result["pairs"]}
    assert set(rows) == {("tiny", "bicubic"), ("original", "bicubic"), ("original", "tiny")}
    for row in rows.values():   # 3 of 4 comparisons each; Wilson (3, 4) = [0.3006, 0.9544]
        assert (row["a_wins"], row["n"], row["rate"]) == (3, 4, 0.75)
        assert (row["low"], row["high"]) == pytest.approx((0.3006, 0.9544), abs=1e-4)
