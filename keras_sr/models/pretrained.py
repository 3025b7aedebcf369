"""Load weights into a model after checking that they were made for it.

A weights file ``X.weights.h5`` has a JSON sidecar ``X.json`` beside it with at least
the keys ``model``, ``scale`` and ``channels`` (the shipped files in ``keras_sr/weights/``
and every checkpoint ``keras-sr train`` saves). A ``.keras`` file carries them in its
own config. Loading a file whose identity differs from the model's is an error.
"""

import json
import warnings
import zipfile
from pathlib import Path

from keras_sr.models.sr_model import identity

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"
IDENTITY_KEYS = ("model", "scale", "channels")


def weights_filename(name, scale, channels=None):
    """``<name>_x<scale>_c<channels>.weights.h5``; parts that are None are left out.

    >>> weights_filename("fsrcnn", 3, 1)
    'fsrcnn_x3_c1.weights.h5'
    """
    return (f"{name}{'' if scale is None else f'_x{scale}'}"
            f"{'' if channels is None else f'_c{channels}'}.weights.h5")


def sidecar_path(weights_path):
    """The JSON sidecar of a weights file: ``X.weights.h5`` -> ``X.json``.

    >>> sidecar_path("runs/train/best.weights.h5").name
    'best.json'
    """
    path = Path(weights_path)
    stem = path.name[:-len(".weights.h5")] if path.name.endswith(".weights.h5") else path.stem
    return path.with_name(stem + ".json")


def _read_json(path):
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise ValueError(f"cannot read {str(path)!r} as JSON: {error}") from error


def read_identity(path):
    """What a weights or model file says it holds, or None when it says nothing.

    Args:
        path: a ``.weights.h5`` file (read from its sidecar ``X.json``) or a ``.keras``
            file (read from the ``config.json`` inside it).

    Returns:
        ``{"model": str, "scale": int or None, "channels": int or None, "source": str}``
        (``source``: the file the identity was read from), plus ``"model_args"`` (a dict
        of builder arguments such as ``filters``) when a sidecar records non-default
        ones; or None when the file has no sidecar.

    Raises:
        ValueError: the sidecar or the archive cannot be read, or a sidecar lacks one of
            the keys ``model``, ``scale``, ``channels``.
    """
    path = Path(path)
    if path.suffix == ".keras":
        try:
            with zipfile.ZipFile(path) as archive:
                config = json.loads(archive.read("config.json"))["config"]
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
            raise ValueError(f"cannot read the model config in {str(path)!r}: {error}") \
                from error
        return {"model": config.get("name"), "scale": config.get("scale"),
                "channels": config.get("channels"), "source": str(path)}
    sidecar = sidecar_path(path)
    if not sidecar.is_file():
        return None
    data = _read_json(sidecar)
    missing = [key for key in IDENTITY_KEYS if not isinstance(data, dict) or key not in data]
    if missing:
        raise ValueError(f"weights sidecar {str(sidecar)!r} lacks the key(s) "
                         f"{', '.join(missing)}; it must name the model, scale and channels "
                         f"the weights were made for")
    identity = {**{key: data[key] for key in IDENTITY_KEYS}, "source": str(sidecar)}
    if isinstance(data.get("model_args"), dict) and data["model_args"]:
        identity["model_args"] = dict(data["model_args"])
    return identity


def describe(model_identity):
    """``"fsrcnn x3, 1 channel"`` for an identity dict (parts that are None left out).

    >>> describe({"model": "fsrcnn", "scale": 3, "channels": 1})
    'fsrcnn x3, 1 channel'
    """
    text = str(model_identity.get("model"))
    if model_identity.get("scale") is not None:
        text += f" x{model_identity['scale']}"
    channels = model_identity.get("channels")
    if channels is not None:
        text += f", {channels} channel{'' if channels == 1 else 's'}"
    return text


def check_weights(path, asked):
    """Raise unless the file at ``path`` was made for the model ``asked``.

    Keys that either side leaves as None are not compared (a discriminator has no
    scale). A weights file without a sidecar is loaded with a warning that it could not
    be checked.

    Args:
        path: a ``.weights.h5`` or ``.keras`` file.
        asked: dict with keys ``model``, ``scale``, ``channels``: the model it goes into.

    Raises:
        ValueError: naming the file, what it holds and what was asked.
    """
    held = read_identity(path)
    if held is None:
        warnings.warn(f"weights file {str(path)!r} has no sidecar {sidecar_path(path).name!r} "
                      f"naming its model, scale and channels; loaded into {describe(asked)} "
                      f"without checking that it was made for it", stacklevel=3)
        return
    differ = [key for key in IDENTITY_KEYS
              if held[key] is not None and asked.get(key) is not None
              and held[key] != asked[key]]
    if differ:
        raise ValueError(
            f"weights file {str(path)!r} holds {describe(held)} (says {held['source']!r}), "
            f"but {describe(asked)} was asked for ({', '.join(differ)} differ"
            f"{'s' if len(differ) == 1 else ''}); choose a model, scale and channels that "
            f"match the file, or another weights file")


def shipped_weights(weights_dir=None):
    """The shipped weights: one identity dict per ``.weights.h5`` file, sorted by file name.

    Args:
        weights_dir: folder to list (default: ``keras_sr/weights``).

    Returns:
        list of ``{"model", "scale", "channels", "path"}``; a file without a sidecar is
        listed with None for what it does not say.
    """
    weights_dir = Path(WEIGHTS_DIR if weights_dir is None else weights_dir)
    rows = []
    for path in sorted(weights_dir.glob("*.weights.h5")):
        held = read_identity(path) or dict.fromkeys(IDENTITY_KEYS)
        rows.append({**{key: held[key] for key in IDENTITY_KEYS}, "path": str(path)})
    return rows


def available_weights(weights_dir=None):
    """Sorted names of the ``.weights.h5`` files in ``weights_dir`` (default: shipped)."""
    return [Path(row["path"]).name for row in shipped_weights(weights_dir)]


def find_weights(name, scale, channels, weights_dir=None):
    """Path of the shipped weights for ``name`` at ``scale`` and ``channels``.

    Looks for ``<name>_x<scale>_c<channels>.weights.h5`` first, then for
    ``<name>_x<scale>.weights.h5`` (a file without ``_c`` suits the model's default
    channel count). A model without a scale (a discriminator) looks for
    ``<name>_c<channels>.weights.h5``.

    Raises:
        FileNotFoundError: naming the files tried and listing those that exist.
    """
    weights_dir = Path(WEIGHTS_DIR if weights_dir is None else weights_dir)
    tried = [weights_filename(name, scale, channels), weights_filename(name, scale)]
    for filename in tried:
        path = weights_dir / filename
        if path.is_file():
            return path
    shipped = available_weights(weights_dir)
    raise FileNotFoundError(
        f"No pretrained weights for {describe(dict(model=name, scale=scale, channels=channels))}"
        f": looked for {' or '.join(tried)} in {weights_dir}. Available: "
        f"{', '.join(shipped) if shipped else 'none'}")


def load_weights(model, weights):
    """Check, then load ``weights`` into ``model``; returns the model.

    Args:
        model: a built ``keras.Model``; its ``name``, ``scale`` and ``channels`` (an
            ``SRModel`` from ``keras_sr.models.get``) say what it is.
        weights: ``None`` (do nothing), ``"pretrained"`` (the shipped file, see
            ``find_weights``) or the path of a ``.weights.h5`` / ``.keras`` file.

    Returns:
        The same model.

    Raises:
        FileNotFoundError: the file is missing.
        ValueError: the file's sidecar (or ``.keras`` config) names another model, scale
            or channel count than the model's (see ``check_weights``).
    """
    if weights is None:
        return model
    asked = identity(model)
    if weights == "pretrained":
        path = find_weights(asked["model"], asked["scale"], asked["channels"])
    else:
        path = Path(weights)
        if not path.is_file():
            raise FileNotFoundError(f"weights file {str(path)!r} does not exist")
    check_weights(path, asked)
    model.load_weights(str(path))
    return model
