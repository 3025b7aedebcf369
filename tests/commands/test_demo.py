"""``keras-sr demo``'s own pieces: the epoch plan, the per-epoch progress line with the
budget stop, and the labelled comparison figure (its PSNR against the protocol)."""

import keras
import numpy as np
import pytest
from PIL import Image

from keras_sr.commands.demo import SCALE, labelled_comparison, plan, progress_callback
from keras_sr.inference.evaluate import evaluate


@pytest.mark.parametrize("steps, epochs, warmup, expected", [
    (1200, 5, 200, (5, 240, 200)),     # 1200 steps in 5 epochs, warm-up as asked
    (100, 5, 200, (5, 20, 25)),        # warm-up capped at a quarter of the run
    (3, 5, 200, (3, 1, 0)),            # never more epochs than steps
    (7, 2, 0, (2, 4, 0)),              # rounded up: 8 steps
])
def test_plan_splits_the_steps_into_epochs(steps, epochs, warmup, expected):
    assert plan(steps, epochs, warmup) == expected


def _fit_with(callback, epochs):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.zeros((4, 2), "float32")
    return model.fit(x, x[:, :1], epochs=epochs, batch_size=4, verbose=0,
                     callbacks=[callback])


def test_progress_prints_each_epoch_with_psnr_and_time_left():
    lines = []
    callback = progress_callback(30.0, None, say=lines.append)
    history = _fit_with(callback, epochs=3)
    assert len(history.history["loss"]) == 3
    assert [line.split(":")[0] for line in lines] == ["keras-sr demo"] * 3
    assert "epoch 1/3: no validation," in lines[0] and "left" in lines[0]
    assert "epoch 3/3:" in lines[2] and "about 0:00 left" in lines[2]


def test_a_spent_budget_stops_at_the_epoch_end():
    lines = []
    callback = progress_callback(30.0, budget_seconds=1e-9, say=lines.append)
    history = _fit_with(callback, epochs=4)
    assert len(history.history["loss"]) == 1
    assert "budget is spent: stopping after epoch 1 of 4" in lines[-1]


def test_comparison_is_labelled_with_the_protocol_psnr(tmp_path):
    from skimage import data

    folder = tmp_path / "test"
    folder.mkdir()
    Image.fromarray(data.chelsea()[:120, :150]).save(folder / "cat.png")
    bicubic_model = keras.Sequential([keras.Input((None, None, 3)),
                                      keras.layers.UpSampling2D(SCALE, interpolation="bicubic")])
    path, scores = labelled_comparison(bicubic_model, folder, tmp_path / "comparison.png")
    assert path.is_file() and Image.open(path).size == (1300, 380)
    reference = evaluate("bicubic", folder, SCALE, progress=False)["psnr_y"]
    assert scores["bicubic"] == pytest.approx(reference, abs=1e-6)
    model_score = evaluate(bicubic_model, folder, SCALE, progress=False)["psnr_y"]
    assert scores["sr"] == pytest.approx(model_score, abs=1e-6)
