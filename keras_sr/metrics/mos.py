"""Mean Opinion Score statistics: MOS with a t interval, preference rates with a Wilson
interval, and the scoring of a blind study's ratings against its key.

The study itself (images, key, rater page) is made by ``keras_sr.inference.mos``; this
module only counts. Methods (as in ITU-R BT.500-15, Annex 2, section A2.2.4 / A2.2.5):

- MOS of a model: the mean ``u`` of all its ratings (every rater, every image, scores
  1..5), with the 95 % interval ``u +- t(0.975, n - 1) * s / sqrt(n)``, ``s`` the sample
  standard deviation (``ddof=1``) of the ``n`` ratings. One rating gives no interval
  (``None``).
- Preference of A over B in paired comparisons: ``k`` of ``n`` choices, rate ``k / n``,
  with the Wilson score interval (normal quantile ``z(0.975)``), which stays in [0, 1] and
  is defined at ``k = 0`` and ``k = n``.
- Win rate of A over B from ACR ratings: every rater's scores of A and B on the same
  image are one comparison (win 1, tie 1/2, loss 0); the rate is the mean over them.
"""

import math
from collections import defaultdict
from itertools import combinations

import numpy as np
from scipy import stats

# The ACR scale of ITU-T P.800 / P.910 and BT.500: score -> label.
ACR_LABELS = {1: "Bad", 2: "Poor", 3: "Fair", 4: "Good", 5: "Excellent"}


def mos_interval(scores, confidence=0.95):
    """Mean opinion score and the half-width of its t-distribution confidence interval.

    Args:
        scores: 1-D sequence of ratings (numbers; ACR scores are 1..5).
        confidence: two-sided confidence level in (0, 1).

    Returns:
        dict with ``mos`` (float mean), ``ci`` (float half-width
        ``t(1 - (1 - confidence) / 2, n - 1) * s / sqrt(n)``, ``None`` when ``n < 2``),
        ``low`` and ``high`` (``mos -+ ci``, ``None`` when ``n < 2``), ``std`` (sample
        standard deviation, ``ddof=1``; ``None`` when ``n < 2``) and ``n`` (int).

    Example:
        >>> r = mos_interval([3, 4, 5, 4, 3])
        >>> round(r["mos"], 4), round(r["ci"], 4), r["n"]
        (3.8, 1.0389, 5)
    """
    values = np.asarray(scores, dtype=np.float64).ravel()
    if values.size == 0:
        raise ValueError("mos_interval: no scores")
    if not np.all(np.isfinite(values)):
        raise ValueError(f"mos_interval: scores must be finite numbers; got {values.tolist()}")
    _check_confidence(confidence)
    n = int(values.size)
    mean = float(values.mean())
    if n < 2:
        return {"mos": mean, "ci": None, "low": None, "high": None, "std": None, "n": n}
    std = float(values.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2.0, n - 1) * std / math.sqrt(n))
    return {"mos": mean, "ci": half, "low": mean - half, "high": mean + half, "std": std,
            "n": n}


def wilson_interval(successes, trials, confidence=0.95):
    """Wilson score interval of a binomial proportion.

    ``(p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)`` with ``p = k/n`` and
    ``z`` the normal quantile at ``1 - (1 - confidence) / 2``.

    Args:
        successes: int ``k``, ``0 <= k <= trials``.
        trials: int ``n >= 1``.
        confidence: two-sided confidence level in (0, 1).

    Returns:
        ``(low, high)`` floats in [0, 1].

    Example:
        >>> [round(v, 4) for v in wilson_interval(7, 10)]
        [0.3968, 0.8922]
    """
    if isinstance(trials, bool) or int(trials) != trials or trials < 1:
        raise ValueError(f"wilson_interval: trials must be an integer >= 1; got {trials!r}")
    if int(successes) != successes or not 0 <= successes <= trials:
        raise ValueError(f"wilson_interval: successes must be an integer in 0..{trials}; "
                         f"got {successes!r}")
    _check_confidence(confidence)
    z = float(stats.norm.ppf(0.5 + confidence / 2.0))
    p = successes / trials
    denominator = 1.0 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def _check_confidence(confidence):
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1); got {confidence!r}")


def _check_rating_file(record, key, source):
    """Raise ``ValueError`` unless ``record`` is a ratings file of ``key``'s study."""
    if not isinstance(record, dict) or not isinstance(record.get("ratings"), list):
        raise ValueError(f"{source}: not a ratings file (expected a JSON object with a "
                         f"'ratings' list, as the study page saves)")
    if record.get("study") != key["study"]:
        raise ValueError(f"{source}: ratings of study {record.get('study')!r}, but the key "
                         f"is of study {key['study']!r}")
    if record.get("mode") != key["mode"]:
        raise ValueError(f"{source}: mode {record.get('mode')!r}, the study's is "
                         f"{key['mode']!r}")


def _item(key, item_id, source):
    items = key["items"]
    if item_id not in items:
        raise ValueError(f"{source}: item {item_id!r} is not in the study's key")
    return items[item_id]


def _pair_table(counts, models, confidence, mode):
    """One row per pair of models with comparisons, the more preferred one as ``a``.

    ``counts[(a, b)]`` is ``[wins of a, ties, n]``. Rows: ``{"a", "b", "n", "a_wins",
    "ties", "rate"}``, ``rate >= 0.5`` (the key's order when it is exactly 0.5); in pairs
    mode also the Wilson ``low`` and ``high`` of ``rate``.
    """
    rows = []
    for a, b in combinations(models, 2):
        wins, ties, n = counts.get((a, b), (0, 0, 0))
        if n == 0:
            continue
        if wins + 0.5 * ties < 0.5 * n:
            a, b, wins = b, a, n - wins - ties
        row = {"a": a, "b": b, "n": n, "a_wins": wins, "ties": ties,
               "rate": (wins + 0.5 * ties) / n}
        if mode == "pairs":
            row["low"], row["high"] = wilson_interval(wins, n, confidence)
        rows.append(row)
    return rows


def score_ratings(records, key, confidence=0.95):
    """Score a study: MOS per model and pairwise preference rates.

    Args:
        records: list of ``(source, ratings_dict)``; ``source`` names the file in
            errors, ``ratings_dict`` is what the study page saves: ``{"study", "mode",
            "rater", "seed", "ratings": [...]}``; an ACR rating is ``{"item": id,
            "score": 1..5}``, a pair rating ``{"left": id, "right": id, "choice":
            "left" | "right"}``.
        key: the study's ``key.json`` dict: ``{"study", "mode", "models": [names],
            "items": {id: {"model", "image"}}}``.
        confidence: two-sided level of every interval.

    Returns:
        dict with ``study``, ``mode``, ``confidence``, ``raters`` (int), ``ratings``
        (int), ``mos``: list of ``{"model", "mos", "ci", "low", "high", "std", "n"}`` in
        the key's model order (ACR only; empty for pairs), and ``pairs``: one row per
        pair of models, ``{"a", "b", "n", "a_wins", "ties", "rate"}`` with ``rate`` the
        fraction of the ``n`` comparisons where ``a`` was preferred (ties count half;
        ``a`` is the more preferred of the two, so ``rate >= 0.5``); in pairs mode also
        the Wilson interval ``low``, ``high`` of ``rate``.

    Raises:
        ValueError: a file of another study or mode, an unknown item, a score outside
            1..5, a choice other than left/right, or no ratings at all.

    Example:
        >>> key = {"study": "s", "mode": "acr", "models": ["a", "b"], "items": {
        ...     "1": {"model": "a", "image": "x"}, "2": {"model": "b", "image": "x"}}}
        >>> r = score_ratings([("r1", {"study": "s", "mode": "acr", "ratings": [
        ...     {"item": "1", "score": 4}, {"item": "2", "score": 2}]})], key)
        >>> [(m["model"], m["mos"]) for m in r["mos"]], r["pairs"][0]["rate"]
        ([('a', 4.0), ('b', 2.0)], 1.0)
    """
    models = list(key["models"])
    scores = defaultdict(list)
    counts = defaultdict(lambda: [0, 0, 0])
    total = 0
    for source, record in records:
        _check_rating_file(record, key, source)
        if key["mode"] == "acr":
            by_image = defaultdict(dict)   # this rater: image -> model -> score
            for rating in record["ratings"]:
                item = _item(key, rating.get("item"), source)
                score = rating.get("score")
                if score not in ACR_LABELS or isinstance(score, bool):
                    raise ValueError(f"{source}: item {rating.get('item')!r} has score "
                                     f"{score!r}; expected an integer 1..5")
                scores[item["model"]].append(score)
                by_image[item["image"]][item["model"]] = score
                total += 1
            for given in by_image.values():
                for a, b in combinations(models, 2):
                    if a in given and b in given:
                        for first, second, sign in ((a, b, 1), (b, a, -1)):
                            cell = counts[(first, second)]
                            difference = sign * (given[a] - given[b])
                            cell[0] += difference > 0
                            cell[1] += difference == 0
                            cell[2] += 1
        else:
            for rating in record["ratings"]:
                left = _item(key, rating.get("left"), source)
                right = _item(key, rating.get("right"), source)
                choice = rating.get("choice")
                if choice not in ("left", "right"):
                    raise ValueError(f"{source}: pair {rating.get('left')!r} / "
                                     f"{rating.get('right')!r} has choice {choice!r}; "
                                     f"expected 'left' or 'right'")
                winner, loser = (left, right) if choice == "left" else (right, left)
                counts[(winner["model"], loser["model"])][0] += 1
                counts[(winner["model"], loser["model"])][2] += 1
                counts[(loser["model"], winner["model"])][2] += 1
                total += 1
    if total == 0:
        raise ValueError("no ratings in the given files")
    mos = [{"model": m, **mos_interval(scores[m], confidence)} for m in models if scores[m]]
    return {"study": key["study"], "mode": key["mode"], "confidence": confidence,
            "raters": len(records), "ratings": total, "mos": mos,
            "pairs": _pair_table(counts, models, confidence, key["mode"])}


def format_scores(result):
    """The MOS table and the preference table of :func:`score_ratings`, as text."""
    level = f"{result['confidence']:.0%}"
    lines = [f"study {result['study']} ({result['mode']}): {result['raters']} raters, "
             f"{result['ratings']} ratings"]
    if result["mos"]:
        width = max(len("model"), *(len(r["model"]) for r in result["mos"]))
        lines += ["", f"MOS (1 Bad .. 5 Excellent), {level} interval: mean +- "
                      "t(n-1) * s / sqrt(n)",
                  f"{'model':<{width}}  {'MOS':>5}  {'+-':>5}  {level + ' interval':>16}  "
                  f"{'n':>5}"]
        for r in result["mos"]:
            ci = "  n/a" if r["ci"] is None else f"{r['ci']:5.2f}"
            span = "n/a" if r["ci"] is None else f"[{r['low']:.2f}, {r['high']:.2f}]"
            lines.append(f"{r['model']:<{width}}  {r['mos']:5.2f}  {ci}  {span:>16}  "
                         f"{r['n']:>5}")
    if result["pairs"]:
        how = ("fraction of the pairs where A was chosen, Wilson interval"
               if result["mode"] == "pairs" else
               "ACR win rate of A over B: same rater, same image; tie = 1/2; no interval")
        width = max(len(r["a"]) for r in result["pairs"])
        width_b = max(len(r["b"]) for r in result["pairs"])
        lines += ["", f"Preference ({how})",
                  f"{'A':<{width}}  {'over B':<{width_b}}  {'rate':>5}  "
                  f"{level + ' interval':>16}  {'wins':>5}  {'ties':>5}  {'n':>5}"]
        for r in result["pairs"]:
            span = f"[{r['low']:.2f}, {r['high']:.2f}]" if "low" in r else "-"
            lines.append(f"{r['a']:<{width}}  {r['b']:<{width_b}}  {r['rate']:5.2f}  "
                         f"{span:>16}  {r['a_wins']:>5}  {r['ties']:>5}  {r['n']:>5}")
    return "\n".join(lines)


__all__ = ["ACR_LABELS", "mos_interval", "wilson_interval", "score_ratings", "format_scores"]
