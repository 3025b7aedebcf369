"""``keras-sr demo``'s fine-tuning pieces: the warm-up + cosine rate and the keep-best rule."""

import math

import keras
import numpy as np
import pytest

from keras_sr.commands.demo import (KeepBest, fine_tune_schedule, validate_and_keep_best,
                                    warmup_cosine)


def test_warmup_cosine_ramps_from_zero_then_decays_to_the_final_ratio():
    assert warmup_cosine(0, 0.0, 200) == 0.0          # first step: Adam fills its moments
    assert warmup_cosine(50, 0.0, 200) == pytest.approx(0.25)
    assert warmup_cosine(200, 0.0, 200) == pytest.approx(1.0)
    assert warmup_cosine(10, 0.0, 0) == pytest.approx(1.0)      # no warm-up
    assert warmup_cosine(10_000, 0.5, 200) == pytest.approx(0.5)
    assert warmup_cosine(10_000, 1.0, 200) == pytest.approx(0.0, abs=1e-12)
    assert warmup_cosine(10_000, 1.0, 200, final_ratio=0.1) == pytest.approx(0.1)
    assert warmup_cosine(10_000, 7.0, 200) == warmup_cosine(10_000, 1.0, 200)   # clipped
    values = [warmup_cosine(s, s / 1000, 100) for s in range(1001)]
    assert all(0.0 <= v <= 1.0 for v in values)
    peak = int(np.argmax(values))
    assert 95 <= peak <= 105
    assert all(b <= a + 1e-12 for a, b in zip(values[peak:], values[peak + 1:]))


def test_keep_best_keeps_the_start_unless_beaten_by_the_margin():
    keeper = KeepBest(min_gain_db=0.01)
    assert keeper.offer(28.927, "start", 0)
    assert not keeper.offer(28.706, "perturbed", 3)        # worse: the start stays
    assert not keeper.offer(28.933, "within noise", 200)   # +0.006 < 0.01
    assert not keeper.offer(float("nan"), "diverged", 300)
    assert not keeper.improved
    assert (keeper.best_weights, keeper.best_psnr, keeper.best_step) == ("start", 28.927, 0)

    assert keeper.offer(28.951, "better", 400)
    assert not keeper.offer(28.940, "less good", 600)
    assert keeper.offer(28.969, "best", 800)
    assert keeper.improved
    assert (keeper.best_weights, keeper.best_step) == ("best", 800)
    assert keeper.best_psnr == pytest.approx(28.969)
    assert keeper.start_weights == "start" and keeper.start_psnr == pytest.approx(28.927)
    assert [row["step"] for row in keeper.history] == [0, 3, 200, 300, 400, 600, 800]
    with pytest.raises(ValueError, match="min_gain_db"):
        KeepBest(min_gain_db=-1)


def _tiny_model(rate=1e-3):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(rate), loss="mse")
    return model


def _learning_rate(model):
    return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))


def test_fine_tune_schedule_sets_the_rate_each_step_and_ends_near_zero():
    x, y = np.ones((40, 4), "float32"), np.zeros((40, 1), "float32")
    model = _tiny_model()
    seen = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(_learning_rate(self.model))

    schedule = fine_tune_schedule(1e-3, warmup_steps=4, total_steps=20)
    model.fit(x, y, batch_size=2, epochs=1, shuffle=False, verbose=0,
              callbacks=[schedule, Record()])
    assert schedule.steps == 20
    expected = [1e-3 * warmup_cosine(s, s / 20, 4) for s in range(20)]
    # the rate changes only when it moved by more than 1% of the peak
    assert np.allclose(seen, expected, atol=0.011e-3), (seen, expected)
    assert seen[0] == 0.0 and max(seen) == pytest.approx(max(expected), rel=0.02)
    assert seen[-1] < 0.02 * 1e-3           # cosine: 0.6% of the peak at step 19 of 20
    with pytest.raises(ValueError, match="total_steps or seconds"):
        fine_tune_schedule(1e-3, 4)


def test_validate_and_keep_best_offers_the_start_the_epochs_and_the_end():
    x, y = np.ones((8, 4), "float32"), np.zeros((8, 1), "float32")
    model = _tiny_model(rate=0.1)
    start = [w.copy() for w in model.get_weights()]
    scores = iter([10.0, 9.0, 10.5, 10.2])    # start, then the end of 3 epochs
    keeper = KeepBest(min_gain_db=0.01)
    model.fit(x, y, batch_size=4, epochs=3, verbose=0,
              callbacks=[validate_and_keep_best(lambda m: next(scores), keeper, 0.0)])
    assert [row["step"] for row in keeper.history] == [0, 2, 4, 6]
    assert keeper.improved and keeper.best_step == 4 and keeper.best_psnr == 10.5
    assert all(np.array_equal(a, b) for a, b in zip(keeper.start_weights, start))
    assert not all(np.array_equal(a, b) for a, b in zip(keeper.best_weights, start))
    assert math.isclose(keeper.start_psnr, 10.0)
