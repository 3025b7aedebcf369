"""MOS statistics: known answers from t and normal tables, parity with scipy's Wilson
interval, and the scoring of ACR and pair ratings against a study key."""

import math

import pytest
from scipy import stats

from keras_sr.metrics.mos import mos_interval, score_ratings, wilson_interval

# Student's t, two-sided 95 % (upper 0.975 point), from a printed table.
T_975 = {3: 3.1824, 4: 2.7764}


def test_mos_interval_five_ratings_known_answer():
    # mean 3.8; squared deviations .64 .04 1.44 .04 .64 -> s^2 = 2.8 / 4 = 0.7
    result = mos_interval([3, 4, 5, 4, 3])
    assert result["n"] == 5 and result["mos"] == pytest.approx(3.8)
    assert result["std"] == pytest.approx(math.sqrt(0.7))
    assert result["ci"] == pytest.approx(T_975[4] * math.sqrt(0.7) / math.sqrt(5), abs=1e-4)
    assert result["ci"] == pytest.approx(1.0389, abs=1e-4)
    assert (result["low"], result["high"]) == pytest.approx((3.8 - 1.0389, 3.8 + 1.0389),
                                                            abs=1e-4)


def test_mos_interval_other_level_and_degenerate_cases():
    # 99 %: t(0.995, 4) = 4.6041 (table)
    assert mos_interval([3, 4, 5, 4, 3], confidence=0.99)["ci"] == pytest.approx(
        4.6041 * math.sqrt(0.7 / 5), abs=1e-4)
    assert mos_interval([4, 4, 4])["ci"] == 0.0
    single = mos_interval([5])
    assert single["mos"] == 5.0 and single["ci"] is None and single["low"] is None
    with pytest.raises(ValueError, match="no scores"):
        mos_interval([])
    with pytest.raises(ValueError, match="confidence"):
        mos_interval([1, 2], confidence=95)


def test_wilson_interval_known_and_matches_scipy():
    assert wilson_interval(7, 10) == pytest.approx((0.3968, 0.8922), abs=1e-4)
    for k, n in [(0, 5), (5, 5), (3, 4), (12, 31)]:
        reference = stats.binomtest(k, n).proportion_ci(method="wilson")
        assert wilson_interval(k, n) == pytest.approx((reference.low, reference.high),
                                                      abs=1e-12)
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(6, 5)


KEY = {"study": "s1", "mode": "acr", "models": ["bicubic", "net"], "items": {
    "i1": {"model": "bicubic", "image": "a.png"}, "i2": {"model": "net", "image": "a.png"},
    "i3": {"model": "bicubic", "image": "b.png"}, "i4": {"model": "net", "image": "b.png"}}}


def _acr(rater, scores):
    return (rater, {"study": "s1", "mode": "acr", "rater": rater,
                    "ratings": [{"item": i, "score": s} for i, s in scores.items()]})


def test_score_acr_mos_and_win_rates():
    result = score_ratings([_acr("r1", {"i1": 2, "i2": 4, "i3": 3, "i4": 3}),
                            _acr("r2", {"i1": 1, "i2": 4, "i3": 2, "i4": 5})], KEY)
    bicubic, net = result["mos"]
    # bicubic [2, 3, 1, 2]: mean 2, s^2 = 2/3; net [4, 3, 4, 5]: mean 4, s^2 = 2/3
    assert (bicubic["model"], bicubic["mos"], bicubic["n"]) == ("bicubic", 2.0, 4)
    half = T_975[3] * math.sqrt(2 / 3) / 2
    assert bicubic["ci"] == pytest.approx(half, abs=1e-4)
    assert (net["mos"], net["ci"]) == pytest.approx((4.0, half), abs=1e-4)
    # same rater, same image: net wins 3 (r1 a, r2 a, r2 b), ties 1 (r1 b) -> 3.5 / 4
    assert result["pairs"] == [{"a": "net", "b": "bicubic", "n": 4, "a_wins": 3, "ties": 1,
                                "rate": 0.875}]
    assert (result["raters"], result["ratings"]) == (2, 8)


def test_score_pairs_preference_with_wilson_interval():
    key = dict(KEY, mode="pairs")
    choices = [("i1", "i2", "right"), ("i4", "i3", "left"), ("i3", "i4", "left"),
               ("i2", "i1", "left")]
    record = {"study": "s1", "mode": "pairs", "ratings": [
        {"left": a, "right": b, "choice": c} for a, b, c in choices]}
    result = score_ratings([("r1", record)], key)
    assert result["mos"] == []
    (row,) = result["pairs"]
    assert (row["a"], row["b"], row["a_wins"], row["n"], row["rate"]) == (
        "net", "bicubic", 3, 4, 0.75)
    assert (row["low"], row["high"]) == pytest.approx((0.3006, 0.9544), abs=1e-4)


def test_score_refuses_other_study_bad_score_unknown_item():
    with pytest.raises(ValueError, match="r9: ratings of study 'other'"):
        score_ratings([("r9", {"study": "other", "mode": "acr", "ratings": []})], KEY)
    with pytest.raises(ValueError, match="score 6; expected an integer 1..5"):
        score_ratings([_acr("r1", {"i1": 6})], KEY)
    with pytest.raises(ValueError, match="item 'zz' is not in the study's key"):
        score_ratings([_acr("r1", {"zz": 3})], KEY)
    with pytest.raises(ValueError, match="no ratings"):
        score_ratings([_acr("r1", {})], KEY)
