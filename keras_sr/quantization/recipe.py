"""THE int8 QAT recipe of keras_sr: one set of settings for the CLI, the demo and benchmarks.

Steps, in order (each documented where it lives):
1. ``equalize_tanh_ranges(target=tanh_target)``: widen tiny tanh pre-activations so the
   fixed 1/128 output grid of TFLite's int8 ``TANH`` loses less (ESPCN);
2. ``as_subpixel``: strided ``Conv2DTranspose`` -> conv + ``PixelShuffle`` (FSRCNN),
   the same function with per-channel int8 weights;
3. ``quantize_model(activation_range="learned")`` calibrated on ``calibration_patches``
   LR patches with least-error ranges (``calibration="mse"``, ``search_ranges``);
4. fine-tuning with ``model.fit`` (``fine_tune``): Adam, MSE (the shipped weights were
   trained with it), cosine decay from ``learning_rate`` to ``final_ratio`` x it (the
   schedule of ``keras_sr.training.schedules``), ``epochs`` over ``patches`` LR patches
   of ``patch_size`` px sampled from T91 + BSD200 (``TRAIN_SETS``).

The result of a run (the fine-tuned fake-quant weights and calibrated ranges) is a QAT
*state*: ``save_state`` writes ``X.qat.weights.h5`` and its JSON ``X.qat.json`` naming
the recipe, its settings and the float weights it started from (SHA-256). Shipped
states (``keras_sr/weights/<name>_x<s>_c<c>.qat.weights.h5``) let ``keras-sr export
--quantize int8-qat`` convert without retraining; ``load_state`` refuses a state made
from other float weights.
"""

import json
import time
from pathlib import Path

import keras
import numpy as np

from keras_sr.image.io import file_sha256
from keras_sr.quantization.equalize import equalize_tanh_ranges
from keras_sr.quantization.finetune import fine_tune
from keras_sr.quantization.quantize_model import quantize_model
from keras_sr.quantization.subpixel import as_subpixel

RECIPE_NAME = "keras_sr.quantization.recipe/1"
TRAIN_SETS = ("T91", "BSD200")
DEFAULTS = {
    "tanh_target": 0.3,
    "subpixel": True,
    "activation_range": "learned",
    "calibration": "mse",
    "calibration_patches": 128,
    "patches": 32768,
    "patch_size": 24,
    "epochs": 24,
    "batch_size": 32,
    "learning_rate": 1e-4,
    "schedule": "cosine",
    "final_ratio": 0.02,
    "loss": "mean_squared_error",
    "steps_per_execution": 20,
    "seed": 0,
}
# Per-model changes to DEFAULTS: FSRCNN's seven PReLU / conv pairs need longer. The
# 16-channel PlainSR sizes run 48 too, but that did not lower their drop (x3 Set5: 0.109
# dB after 48 epochs, 0.091 after 24 on the earlier concatenation-anchor graph): the QAT
# model itself loses it, the int8 noise of seven or eight narrow layers in a row.
# plainsr_wide keeps the default 24 (its shipped QAT state was made with them).
MODEL_DEFAULTS = {"fsrcnn": {"epochs": 48}, "plainsr_small": {"epochs": 48},
                  "plainsr_medium": {"epochs": 48}, "plainsr_large": {"epochs": 48}}


def recipe_settings(model_name=None, **overrides):
    """The recipe's settings for ``model_name`` with ``overrides`` (None values ignored).

    Args:
        model_name: str or None, a ``keras_sr.models`` name (selects ``MODEL_DEFAULTS``).
        **overrides: any key of ``DEFAULTS``.

    Returns:
        dict with every key of ``DEFAULTS``.

    Raises:
        ValueError: an unknown key or an out-of-range value (named).

    Example:
        >>> recipe_settings("fsrcnn")["epochs"], recipe_settings("espcn")["epochs"]
        (48, 24)
        >>> recipe_settings("espcn", epochs=2, patches=None)["epochs"]
        2
    """
    unknown = sorted(set(overrides) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"recipe_settings: unknown setting(s) {unknown}; valid: "
                         f"{sorted(DEFAULTS)}")
    settings = dict(DEFAULTS)
    settings.update(MODEL_DEFAULTS.get(model_name, {}))
    settings.update({k: v for k, v in overrides.items() if v is not None})
    for key in ("patches", "patch_size", "batch_size", "calibration_patches",
                "steps_per_execution"):
        if int(settings[key]) < 1:
            raise ValueError(f"recipe_settings: `{key}` must be >= 1; got {settings[key]!r}")
    if int(settings["epochs"]) < 0:
        raise ValueError(f"recipe_settings: `epochs` must be >= 0; got {settings['epochs']!r}")
    if not float(settings["learning_rate"]) > 0:
        raise ValueError("recipe_settings: `learning_rate` must be > 0; got "
                         f"{settings['learning_rate']!r}")
    if float(settings["tanh_target"]) < 0:
        raise ValueError("recipe_settings: `tanh_target` must be >= 0 (0: off); got "
                         f"{settings['tanh_target']!r}")
    return settings


def _skeleton(model, settings):
    """The float model with the recipe's structural rewrite (sub-pixel), and what changed."""
    return as_subpixel(model) if settings["subpixel"] else (model, [])


def prepare(model, lr, settings):
    """Steps 1-3: the calibrated QAT model of a float ``model`` (not fine-tuned).

    Args:
        model: float functional ``keras.Model``.
        lr: LR patches ``(N, h, w, c)`` float32 in [0, 1] (the first 256 set the tanh
            ranges, the first ``calibration_patches`` the activation ranges).
        settings: dict from :func:`recipe_settings`.

    Returns:
        ``(qat_model, replaced)``: the QAT model and the names of the transposed convs
        rewritten as sub-pixel convs.
    """
    lr = np.asarray(lr, dtype="float32")
    source = model
    if float(settings["tanh_target"]) > 0:
        source, _ = equalize_tanh_ranges(model, lr[:256], target=settings["tanh_target"])
    source, replaced = _skeleton(source, settings)
    qat_model = quantize_model(source, activation_range=settings["activation_range"],
                               calibration_data=lr[:int(settings["calibration_patches"])],
                               calibration=settings["calibration"])
    return qat_model, replaced


class _EpochCheckpoint(keras.callbacks.Callback):
    """Save the QAT weights and the finished epoch count after every epoch."""

    def __init__(self, folder):
        super().__init__()
        self.folder = Path(folder)

    def on_epoch_end(self, epoch, logs=None):
        self.model.save_weights(self.folder / "qat.weights.h5")
        state = {"epoch": epoch + 1, "loss": None if not logs else float(logs.get("loss", 0))}
        (self.folder / "state.json").write_text(json.dumps(state) + "\n")


def run_recipe(model, lr, hr, settings, checkpoint_dir=None, verbose=1):
    """The whole recipe on a float ``model``: prepare, then fine-tune (resumable).

    Args:
        model: float functional ``keras.Model``.
        lr: LR patches ``(N, h, w, c)`` float32 in [0, 1].
        hr: matching HR patches ``(N, h*s, w*s, c)``.
        settings: dict from :func:`recipe_settings`.
        checkpoint_dir: optional folder: the QAT weights are saved there after each
            epoch, and a run finding a checkpoint there resumes after its last epoch
            (same ``lr``, ``hr`` and settings expected).
        verbose: int, ``fit`` verbosity (1: a progress bar per epoch).

    Returns:
        ``(qat_model, record)``: the fine-tuned QAT model and a JSON-ready dict of what
        was run (recipe name, settings, rewritten layers, epochs, seconds).
    """
    start = time.perf_counter()
    qat_model, replaced = prepare(model, lr, settings)
    done = 0
    callbacks = []
    if checkpoint_dir is not None:
        folder = Path(checkpoint_dir)
        folder.mkdir(parents=True, exist_ok=True)
        state_file = folder / "state.json"
        if state_file.is_file() and (folder / "qat.weights.h5").is_file():
            try:
                done = int(json.loads(state_file.read_text())["epoch"])
            except (ValueError, KeyError) as error:
                raise ValueError(f"run_recipe: damaged checkpoint {state_file} ({error}); "
                                 "delete the folder to start again") from None
            qat_model.load_weights(folder / "qat.weights.h5")
            print(f"run_recipe: resuming after epoch {done} from {folder}")
        callbacks.append(_EpochCheckpoint(folder))
    epochs = int(settings["epochs"])
    if epochs > done:
        fine_tune(qat_model, lr, hr, epochs=epochs, batch_size=int(settings["batch_size"]),
                  learning_rate=float(settings["learning_rate"]), loss=settings["loss"],
                  decay=None if settings["schedule"] == "constant" else settings["schedule"],
                  final_learning_rate_ratio=float(settings["final_ratio"]),
                  seed=int(settings["seed"]), verbose=verbose,
                  steps_per_execution=int(settings["steps_per_execution"]),
                  initial_epoch=done, callbacks=callbacks)
    record = {"recipe": RECIPE_NAME, "settings": dict(settings),
              "transposed_conv_as_subpixel": replaced, "epochs_run": epochs - done,
              "seconds": round(time.perf_counter() - start, 1)}
    return qat_model, record


def state_sidecar(path):
    """``X.qat.weights.h5`` -> ``X.qat.json``."""
    path = Path(path)
    name = path.name[:-len(".weights.h5")] if path.name.endswith(".weights.h5") else path.stem
    return path.with_name(name + ".json")


def save_state(qat_model, path, identity, record):
    """Write a QAT state: the QAT model's weights and a JSON sidecar beside them.

    Args:
        qat_model: the fine-tuned QAT model.
        path: str or Path ending in ``.qat.weights.h5``.
        identity: dict with at least ``model``, ``scale``, ``channels`` and
            ``float_weights_sha256`` (of the float weights the recipe started from).
        record: dict from :func:`run_recipe` (recipe name and settings).

    Returns:
        ``Path`` of the JSON sidecar.
    """
    path = Path(path)
    if not path.name.endswith(".qat.weights.h5"):
        raise ValueError(f"save_state: the path must end in .qat.weights.h5; got {path}")
    missing = sorted({"model", "scale", "channels", "float_weights_sha256"} - set(identity))
    if missing:
        raise ValueError(f"save_state: `identity` lacks {missing}")
    path.parent.mkdir(parents=True, exist_ok=True)
    qat_model.save_weights(path)
    sidecar = state_sidecar(path)
    sidecar.write_text(json.dumps({**identity, **record,
                                   "date": time.strftime("%Y-%m-%d")}, indent=2) + "\n")
    return sidecar


def load_state(model, path, identity):
    """The QAT model of ``model`` with a saved state's weights (no data, no training).

    Args:
        model: the float model the state was made from (its structure is rebuilt with
            the state's settings; its weights are replaced by the state's).
        path: the ``.qat.weights.h5`` file.
        identity: dict of what is asked (``model``, ``scale``, ``channels``,
            ``float_weights_sha256``): each must equal the state's sidecar.

    Returns:
        ``(qat_model, sidecar dict)``.

    Raises:
        FileNotFoundError: no such state or sidecar.
        ValueError: the sidecar disagrees with ``identity`` (says which key).
    """
    path = Path(path)
    sidecar_path = state_sidecar(path)
    for needed in (path, sidecar_path):
        if not needed.is_file():
            raise FileNotFoundError(f"load_state: no such file: {needed}")
    sidecar = json.loads(sidecar_path.read_text())
    for key, wanted in identity.items():
        if sidecar.get(key) != wanted:
            raise ValueError(f"load_state: {path.name} was made for {key}="
                             f"{sidecar.get(key)!r}; asked for {wanted!r}")
    settings = recipe_settings(**{k: v for k, v in sidecar.get("settings", {}).items()
                                  if k in DEFAULTS})
    source, _ = _skeleton(model, settings)
    qat_model = quantize_model(source, activation_range=settings["activation_range"])
    qat_model.load_weights(path)
    return qat_model, sidecar


__all__ = ["RECIPE_NAME", "DEFAULTS", "MODEL_DEFAULTS", "TRAIN_SETS", "recipe_settings",
           "prepare", "run_recipe", "save_state", "load_state",
           "state_sidecar"]
