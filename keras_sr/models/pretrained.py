"""Load weights shipped in ``keras_sr/weights/`` (or from a given file) into a model."""

from pathlib import Path

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"


def weights_filename(name, scale, channels=None):
    """``<name>_x<scale>_c<channels>.weights.h5`` (or without ``_c`` when channels is None)."""
    suffix = "" if channels is None else f"_c{channels}"
    return f"{name}_x{scale}{suffix}.weights.h5"


def available_weights(weights_dir=None):
    """Sorted names of the ``.weights.h5`` files in ``weights_dir`` (default: shipped)."""
    weights_dir = Path(WEIGHTS_DIR if weights_dir is None else weights_dir)
    if not weights_dir.is_dir():
        return []
    return sorted(p.name for p in weights_dir.glob("*.weights.h5"))


def find_weights(name, scale, channels, weights_dir=None):
    """Path of the shipped weights for ``name`` at ``scale`` and ``channels``.

    Looks for ``<name>_x<scale>_c<channels>.weights.h5`` first, then for
    ``<name>_x<scale>.weights.h5`` (a file without ``_c`` suits the model's default
    channel count).

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
        f"No pretrained weights for {name!r} at scale {scale} with {channels} channel(s): "
        f"looked for {' or '.join(tried)} in {weights_dir}. Available: "
        f"{', '.join(shipped) if shipped else 'none'}")


def load_weights(model, name, scale, channels, weights):
    """Load ``weights`` into ``model`` and return it.

    Args:
        model: the built ``keras.Model``.
        name: str, the model's name in ``keras_sr.models`` (for the file name).
        scale: int.
        channels: int.
        weights: ``None`` (do nothing), ``"pretrained"`` (the shipped file, see
            ``find_weights``) or a path to a ``.weights.h5`` / ``.keras`` file.

    Returns:
        The same model.

    Raises:
        FileNotFoundError: when the file is missing.
    """
    if weights is None:
        return model
    if weights == "pretrained":
        path = find_weights(name, scale, channels)
    else:
        path = Path(weights)
        if not path.is_file():
            raise FileNotFoundError(f"weights file {str(path)!r} does not exist")
    model.load_weights(str(path))
    return model
