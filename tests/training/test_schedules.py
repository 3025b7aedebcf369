"""The one schedule factory: known values of each schedule, and its errors."""

import math

import numpy as np
import pytest

from keras_sr.training.schedules import rate_at, schedule


def test_constant_is_the_rate():
    assert schedule("constant", 0.1, total_steps=5) == 0.1
    assert rate_at(0.1, 3) == 0.1


def test_step_every_and_boundaries():
    every = schedule("step", 0.1, total_steps=40, every_steps=10, gamma=0.5)
    np.testing.assert_allclose([rate_at(every, s) for s in (0, 10, 11, 25, 39)],
                               [0.1, 0.1, 0.05, 0.025, 0.0125], rtol=1e-6)
    fixed = schedule("step", 1.0, total_steps=100, boundaries=[30, 60], gamma=0.1)
    np.testing.assert_allclose([rate_at(fixed, s) for s in (30, 31, 61)], [1.0, 0.1, 0.01],
                               rtol=1e-6)


def test_cosine_warmup_and_final_ratio_match_the_formula():
    rate = schedule("cosine", 1e-3, total_steps=110, warmup_steps=10, final_ratio=0.1)
    for step in (0, 4, 10, 35, 60, 110, 500):
        if step < 10:
            expected = 1e-3 * step / 10
        else:
            progress = min(1.0, (step - 10) / 100)
            expected = 1e-3 * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))
        assert rate_at(rate, step) == pytest.approx(expected, rel=1e-5, abs=1e-12)


def test_exponential_halves_every_decay_steps():
    rate = schedule("exponential", 0.2, total_steps=100, decay_steps=10, decay_rate=0.5)
    np.testing.assert_allclose([rate_at(rate, s) for s in (0, 10, 25)],
                               [0.2, 0.1, 0.2 * 0.5 ** 2.5], rtol=1e-6)


@pytest.mark.parametrize("args, options, message", [
    (("linear", 0.1, 10), {}, r"name must be one of"),
    (("cosine", 0.1, 10), {"alpha": 0.1}, r"unknown option\(s\) \['alpha'\]"),
    (("cosine", 0.1, 10), {"warmup_steps": 10}, r"warmup_steps must be in \[0, 10\)"),
    (("cosine", 0.1, 10), {"final_ratio": 2}, r"final_ratio must be in \[0, 1\]"),
    (("step", 0.1, 10), {"boundaries": [5, 3]}, r"increasing"),
    (("constant", 0.0, 10), {}, r"learning_rate must be > 0"),
])
def test_errors_name_the_option(args, options, message):
    with pytest.raises(ValueError, match=message):
        schedule(*args, **options)
