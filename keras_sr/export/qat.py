"""The int8-QAT model to convert: a shipped QAT state, or the recipe run on training data.

``keras-sr export --quantize int8-qat`` with ``--weights pretrained`` loads the state
shipped beside the float weights (``keras_sr/weights/qat/<name>_x<s>_c<c>.qat.weights.h5``,
made by :mod:`keras_sr.quantization.recipe` with its default settings) and converts it
without training. Other float weights, or ``retrain=True``, run the recipe on training
patches (T91 + BSD200 under the data root by default, the sets the states were made
from).
"""

import sys
from pathlib import Path

from keras_sr.data.sets import data_root
from keras_sr.image.io import file_sha256
from keras_sr.export.patches import builtin_photos, load_folders, sample_patches
from keras_sr.models.pretrained import WEIGHTS_DIR, find_weights
from keras_sr.quantization import recipe

QAT_STATES_DIR = WEIGHTS_DIR / "qat"


def shipped_state_path(name, scale, channels):
    """``keras_sr/weights/qat/<name>_x<scale>_c<channels>.qat.weights.h5`` (may not exist)."""
    return QAT_STATES_DIR / f"{name}_x{scale}_c{channels}.qat.weights.h5"


def default_train_dirs():
    """The recipe's training sets under the data root that exist (may be empty)."""
    root = data_root()
    return [root / name for name in recipe.TRAIN_SETS if (root / name).is_dir()]


def training_patches(scale, channels, settings, train_dirs=None):
    """``(lr, hr)`` patches for the recipe from ``train_dirs`` (default: T91 + BSD200 under
    the data root, else scikit-image's built-in photos, with a note on stderr)."""
    folders = list(train_dirs or default_train_dirs())
    if folders:
        images = load_folders(folders)
    else:
        print(f"int8-qat: no {' / '.join(recipe.TRAIN_SETS)} under {data_root()} (set "
              "KERAS_SR_DATA or pass --train-dir); fine-tuning on scikit-image's built-in "
              "photos, which is not the published recipe", file=sys.stderr)
        images = builtin_photos()
    return sample_patches(images, scale, int(settings["patch_size"]),
                          int(settings["patches"]), channels=channels,
                          seed=int(settings["seed"]))


def float_weights_file(name, scale, channels, weights):
    """The float weights file behind ``weights`` (``"pretrained"`` or a path), or None."""
    if weights is None or str(weights).lower() == "none":
        return None
    if str(weights) == "pretrained":
        return find_weights(name, scale, channels)
    return Path(weights)


def qat_model_for(model, name, scale, weights="pretrained", retrain=False, train_dirs=None,
                  settings=None, checkpoint_dir=None, verbose=1):
    """The QAT model to export: the shipped state when it matches, else a recipe run.

    Args:
        model: the float ``keras.Model`` (with ``weights`` loaded).
        name: str, its ``keras_sr.models`` name.
        scale: int.
        weights: ``"pretrained"``, a ``.weights.h5`` path, or None (random init).
        retrain: bool, run the recipe even when a shipped state exists.
        train_dirs: optional HR image folders for the recipe.
        settings: dict from ``recipe.recipe_settings`` (default: the recipe's).
        checkpoint_dir: optional folder making a recipe run resumable.
        verbose: int, ``fit`` verbosity.

    Returns:
        ``(qat_model, record)``: ``record`` says where the state came from
        (``"qat_state"``: the file, or ``"recipe"``: what was run).
    """
    channels = int(model.input_shape[-1])
    settings = settings or recipe.recipe_settings(name)
    weights_file = float_weights_file(name, scale, channels, weights)
    identity = {"model": name, "scale": int(scale), "channels": channels,
                "float_weights_sha256": (None if weights_file is None
                                         else file_sha256(weights_file))}
    state = shipped_state_path(name, scale, channels)
    if not retrain and weights_file is not None and state.is_file():
        try:
            qat_model, sidecar = recipe.load_state(model, state, identity)
        except ValueError as error:
            print(f"int8-qat: the shipped QAT state does not fit these weights ({error}); "
                  "running the recipe", file=sys.stderr)
        else:
            return qat_model, {"qat_state": state.name, "recipe": sidecar.get("recipe"),
                               "transposed_conv_as_subpixel": sidecar.get(
                                   "transposed_conv_as_subpixel", [])}
    lr, hr = training_patches(scale, channels, settings, train_dirs)
    qat_model, record = recipe.run_recipe(model, lr, hr, settings,
                                          checkpoint_dir=checkpoint_dir, verbose=verbose)
    record["identity"] = identity
    return qat_model, record
