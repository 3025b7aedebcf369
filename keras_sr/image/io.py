"""Reading and writing images as float32 arrays in [0, 1].

Reads PNG, JPEG, BMP, TIFF and WebP (any still image Pillow decodes), 8- and 16-bit,
greyscale, RGB, RGBA, LA and palette images, and applies the EXIF orientation tag so
pixels come out the way a viewer shows them. Writes lossless files (PNG by default)
atomically. SR papers store HR images losslessly; ``check_lossless`` warns when a
training set is stored as JPEG or lossy WebP, whose block artefacts a model would learn.

Alpha: by default a transparent image is composited over white (what viewers show),
with an ``AlphaFlattenedWarning`` when some pixel is not opaque; ``alpha="black"``
composites over black, ``alpha="drop"`` keeps the colour channels as stored, and
``alpha="keep"`` returns the alpha channel beside the colour (``(rgb, alpha)``) so it
can be resized and written back. ``image_mode`` tells, from the header only, whether a
file is greyscale or colour and has alpha (greyscale in, greyscale out).

Files are written atomically (a temporary file in the same folder, then renamed) with
the usual permissions: those of the file replaced, else ``0666`` less the umask.
:func:`atomic_path` is that write for any file: the package's one atomic writer
(checkpoints, sidecars, result JSON, images, videos).
"""

import contextlib
import hashlib
import os
import struct
import tempfile
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from keras_sr.image.color import Y_WEIGHTS

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
MODES = (None, "RGB", "L", "Y")
ALPHA = ("white", "black", "drop", "keep")
_WRITE_FORMATS = {".png": "PNG", ".bmp": "BMP", ".tif": "TIFF", ".tiff": "TIFF",
                  ".webp": "WEBP"}
# EXIF orientation (tag 0x0112) -> numpy transform giving the upright image.
_ORIENT = {
    1: lambda a: a,
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: np.swapaxes(a, 0, 1),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: np.rot90(a, 2).swapaxes(0, 1),
    8: lambda a: np.rot90(a, 1),
}


class ImageReadError(ValueError):
    """An image file is corrupt, truncated or in a format that cannot be decoded."""


class LossyImageWarning(UserWarning):
    """Training images are stored with lossy compression (JPEG or lossy WebP)."""


class AlphaFlattenedWarning(UserWarning):
    """A transparent image was composited onto a background (its alpha is lost)."""


def _png_header(path):
    """(bit_depth, colour_type, interlace) from a PNG's IHDR, or None for other files."""
    with open(path, "rb") as f:
        head = f.read(29)
    if len(head) < 29 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return head[24], head[25], head[28]


def _decode_png16_colour(path):
    """Decode a 16-bit RGB/RGBA/LA PNG (Pillow truncates those to 8 bits) with TensorFlow."""
    import tensorflow as tf  # a dependency of keras_sr; imported only for this case

    data = tf.io.read_file(str(path))
    return tf.io.decode_png(data, dtype=tf.uint16).numpy().astype(np.float32) / 65535.0


def _decode_tiff16_colour(path):
    """Decode a 16-bit colour TIFF (Pillow truncates those to 8 bits) with tifffile."""
    try:
        import tifffile
    except ImportError as err:
        raise ImageReadError(
            f"{path}: 16-bit colour TIFF needs the `tifffile` package (pip install tifffile); "
            "Pillow would silently drop to 8 bits") from err
    array = np.asarray(tifffile.imread(str(path)))
    if array.ndim == 3 and array.shape[0] in (3, 4) and array.shape[-1] not in (3, 4):
        array = np.moveaxis(array, 0, -1)  # planar storage
    return array.astype(np.float32) / float(np.iinfo(array.dtype).max)


def _pil_to_float(image, path):
    """Pillow image -> float32 HxWxC in [0, 1], C in {1, 2, 3, 4} (grey, grey+A, RGB, RGBA)."""
    mode = image.mode
    if mode == "P" or mode == "PA":
        has_alpha = mode == "PA" or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
    elif mode == "1":
        image = image.convert("L")
    elif mode in ("CMYK", "YCbCr", "LAB", "HSV"):
        image = image.convert("RGB")
    elif mode in ("La", "RGBa"):  # premultiplied alpha
        image = image.convert(mode.upper())
    mode = image.mode
    array = np.asarray(image)
    if mode in ("L", "LA", "RGB", "RGBA", "RGBX"):
        array = array.astype(np.float32) / 255.0
        if mode == "RGBX":
            array = array[..., :3]
    elif mode.startswith("I;16") or mode == "I":
        # 16-bit greyscale (PNG/TIFF); mode I holds 16-bit values in an int32 image.
        array = array.astype(np.float32) / 65535.0
    elif mode == "F":
        array = array.astype(np.float32)
    else:
        raise ImageReadError(f"{path}: unsupported pixel mode {mode!r}")
    if array.ndim == 2:
        array = array[..., None]
    return array


def _apply_alpha(array, alpha, path):
    """Drop or composite the alpha channel of a 2- or 4-channel array (warn if it mattered)."""
    colour, a = array[..., :-1], array[..., -1:]
    if alpha == "drop":
        return colour
    if np.any(a < 1.0):
        warnings.warn(f"{path}: transparent pixels composited onto {alpha} and the alpha "
                      "channel dropped (read_image(..., alpha='keep') keeps it)",
                      AlphaFlattenedWarning, stacklevel=3)
    background = 1.0 if alpha == "white" else 0.0
    return colour * a + background * (1.0 - a)


def _to_mode(array, mode):
    """Convert a 1- or 3-channel float array to the requested output mode."""
    if mode is None:
        return array
    rgb = np.repeat(array, 3, axis=-1) if array.shape[-1] == 1 else array
    if mode == "RGB":
        return rgb
    if mode == "L" and array.shape[-1] == 1:
        return array
    r, g, b = (rgb[..., i:i + 1].astype(np.float64) for i in range(3))
    if mode == "L":  # full-range BT.601 luma, as Pillow's convert("L") without rounding
        return (0.299 * r + 0.587 * g + 0.114 * b).astype(np.float32)
    # "Y": studio-range BT.601 (MATLAB rgb2ycbcr), the same as keras_sr.image.color.rgb_to_y
    w_r, w_g, w_b = Y_WEIGHTS
    return ((16.0 + w_r * r + w_g * g + w_b * b) / 255.0).astype(np.float32)


def read_image(path, mode="RGB", alpha="white"):
    """Read an image file into a float32 array in [0, 1], EXIF orientation applied.

    Args:
        path: str or Path of a PNG, JPEG, BMP, TIFF or WebP file (8 or 16 bits per
            sample; 16-bit values are divided by 65535).
        mode: ``"RGB"`` (default; greyscale is replicated to three channels), ``"L"``
            (one channel, full-range BT.601 luma ``0.299 R + 0.587 G + 0.114 B``),
            ``"Y"`` (one channel, studio-range BT.601 Y in [16, 235]/255 as MATLAB's
            ``rgb2ycbcr``) or ``None`` (as stored: 1 channel for greyscale, 3 for colour).
        alpha: what happens to transparency: ``"white"`` (default, composite over
            white, warning ``AlphaFlattenedWarning`` when a pixel is not opaque),
            ``"black"`` (composite over black, same warning), ``"drop"`` (ignore alpha)
            or ``"keep"`` (return it separately, see Returns).

    Returns:
        ``np.ndarray`` float32 ``(height, width, channels)`` in [0, 1]; with
        ``alpha="keep"`` a pair ``(image, alpha)`` where ``alpha`` is float32
        ``(height, width, 1)`` in [0, 1], or None when the file has no alpha channel.

    Raises:
        FileNotFoundError: the file does not exist.
        ImageReadError: (a ``ValueError``) the file is corrupt, truncated or not an image.
    """
    if mode not in MODES:
        raise ValueError(f"read_image: `mode` must be one of {MODES}; got {mode!r}")
    if alpha not in ALPHA:
        raise ValueError(f"read_image: `alpha` must be one of {ALPHA}; got {alpha!r}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"read_image: no such image file: {path}")
    try:
        with Image.open(path) as image:
            orientation = int(image.getexif().get(0x0112, 1) or 1)
            image.load()
            png = _png_header(path)
            tiff_bits = image.tag_v2.get(258) if image.format == "TIFF" else None
            if png is not None and png[0] == 16 and png[1] in (2, 4, 6):
                array = _decode_png16_colour(path)
            elif (tiff_bits is not None and image.mode in ("RGB", "RGBA")
                  and max(np.atleast_1d(tiff_bits)) == 16):
                array = _decode_tiff16_colour(path)
            else:
                array = _pil_to_float(image, path)
    except UnidentifiedImageError as err:
        raise ImageReadError(f"{path}: not a recognised image file ({err})") from err
    except ImageReadError:
        raise
    except (OSError, SyntaxError, ValueError, struct.error, EOFError) as err:
        raise ImageReadError(f"{path}: cannot decode image, file corrupt or truncated "
                             f"({type(err).__name__}: {err})") from err
    array = _ORIENT.get(orientation, _ORIENT[1])(np.clip(array, 0.0, 1.0))
    opacity = None
    if array.shape[-1] in (2, 4):
        if alpha == "keep":
            array, opacity = array[..., :-1], np.ascontiguousarray(array[..., -1:])
        else:
            array = _apply_alpha(array, alpha, path)
    array = np.ascontiguousarray(_to_mode(array, mode), dtype=np.float32)
    return (array, opacity) if alpha == "keep" else array


# Pillow mode -> what read_image(mode=None) gives: grey or colour, with or without alpha.
_STORED_MODE = {"1": "L", "L": "L", "I": "L", "F": "L", "LA": "LA", "La": "LA", "PA": "RGBA",
                "RGB": "RGB", "RGBX": "RGB", "CMYK": "RGB", "YCbCr": "RGB", "LAB": "RGB",
                "HSV": "RGB", "RGBA": "RGBA", "RGBa": "RGBA"}


def image_mode(path):
    """How an image file stores its pixels, read from the header only.

    Args:
        path: str or Path of an image file.

    Returns:
        ``"L"`` (greyscale), ``"LA"`` (greyscale with alpha), ``"RGB"`` or ``"RGBA"``;
        ``read_image(path, mode=None)`` gives 1 channel for ``"L"``/``"LA"`` and 3 for
        ``"RGB"``/``"RGBA"``.

    Raises:
        FileNotFoundError: the file does not exist.
        ImageReadError: the file is not a recognised image.

    Example:
        >>> import tempfile, numpy as np
        >>> path = Path(tempfile.mkdtemp()) / "grey.png"
        >>> _ = write_image(path, np.zeros((4, 4, 1)))
        >>> image_mode(path)
        'L'
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"image_mode: no such image file: {path}")
    try:
        with Image.open(path) as image:
            mode = image.mode
            if mode == "P":
                return "RGBA" if "transparency" in image.info else "RGB"
    except UnidentifiedImageError as err:
        raise ImageReadError(f"{path}: not a recognised image file ({err})") from err
    except (OSError, SyntaxError, ValueError, struct.error, EOFError) as err:
        raise ImageReadError(f"{path}: cannot read the image header ({err})") from err
    if mode.startswith("I;16"):
        return "L"
    if mode not in _STORED_MODE:
        raise ImageReadError(f"{path}: unsupported pixel mode {mode!r}")
    return _STORED_MODE[mode]


def _file_mode(path):
    """Permissions for a new file at ``path``: the replaced file's, else 0666 less umask."""
    try:
        return os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        pass
    mask = os.umask(0o022)  # the only portable way to read the umask is to set it
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_path(path):
    """Write a file atomically: yield a temporary path beside ``path``, then rename it.

    The caller writes the temporary file (any writer: text, ``save_weights``, a video
    muxer); when the ``with`` block ends without an exception the file is flushed to disk
    and moved onto ``path`` in one rename, with ``path``'s permissions (those of the file
    replaced, else 0666 less the umask). On an exception the temporary file is removed
    and ``path`` is left as it was: a reader never sees half a file.

    The temporary name keeps every suffix of ``path`` (``best.weights.h5`` ->
    ``.best.<random>.tmp.weights.h5``), for writers that choose a format by suffix.

    Args:
        path: str or Path of the file to write; its folder is created.

    Yields:
        ``Path`` of the temporary file (created empty).

    Example:
        >>> import tempfile
        >>> target = Path(tempfile.mkdtemp()) / "note.txt"
        >>> with atomic_path(target) as tmp:
        ...     _ = tmp.write_text("done")
        >>> target.read_text(), sorted(p.name for p in target.parent.iterdir())
        ('done', ['note.txt'])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    stem = path.name[:-len("".join(path.suffixes))] if path.suffixes else path.name
    handle, tmp = tempfile.mkstemp(prefix=f".{stem}.", suffix=".tmp" + "".join(path.suffixes),
                                   dir=path.parent)
    os.close(handle)
    tmp = Path(tmp)
    try:
        yield tmp
        with open(tmp, "rb") as written:
            os.fsync(written.fileno())
        os.chmod(tmp, _file_mode(path))  # mkstemp creates 0600
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def atomic_write_text(path, text):
    """Write ``text`` to ``path`` atomically (:func:`atomic_path`); return the ``Path``."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return Path(path)


def _to_uint8(array, path):
    array = np.asarray(array)
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (2, 3, 4)):
        raise ValueError(f"write_image({path}): expected an array (H, W), (H, W, 1), "
                         f"(H, W, 2), (H, W, 3) or (H, W, 4); got shape {array.shape}")
    if array.dtype == np.uint8:
        return array
    if not np.issubdtype(array.dtype, np.floating):
        raise ValueError(f"write_image({path}): expected float values in [0, 1] or uint8; "
                         f"got dtype {array.dtype}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"write_image({path}): the array contains NaN or infinite values")
    return np.round(np.clip(array, 0.0, 1.0) * 255.0).astype(np.uint8)


def write_image(path, array):
    """Write an image losslessly (PNG unless the suffix says BMP, TIFF or WebP).

    Parent folders are created; the file is written to a temporary name in the same
    folder and moved into place, so readers never see a half-written image. The file
    gets the usual permissions: those of the file it replaces, else ``0666`` less the
    umask (e.g. ``0644``).

    Args:
        path: destination, suffix ``.png`` (or ``.bmp``, ``.tif``, ``.tiff``,
            ``.webp``, written lossless).
        array: float in [0, 1] (clipped, rounded to 8 bits) or uint8; shape ``(H, W)``,
            ``(H, W, 1)`` (grey), ``(H, W, 2)`` (grey and alpha; not BMP), ``(H, W, 3)``,
            ``(H, W, 4)`` (RGBA) or a batch of one of these.

    Returns:
        The ``Path`` written.
    """
    path = Path(path)
    fmt = _WRITE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"write_image: {path} has suffix {path.suffix!r}; lossless formats "
                         f"are {sorted(_WRITE_FORMATS)} (use .png)")
    pixels = _to_uint8(array, path)
    if fmt == "BMP" and pixels.ndim == 3 and pixels.shape[-1] == 2:
        raise ValueError(f"write_image: BMP cannot store grey with alpha ({path}); use .png")
    options = {"lossless": True} if fmt == "WEBP" else {}
    with atomic_path(path) as tmp:
        Image.fromarray(pixels).save(tmp, format=fmt, **options)
    return path


def list_images(folder, recursive=False):
    """Image files of a folder (by suffix, case-insensitive), sorted by path.

    Args:
        folder: str or Path of a folder.
        recursive: also look in sub-folders.

    Returns:
        ``list[Path]``, sorted; hidden files (``.name``) are skipped.

    Raises:
        FileNotFoundError: the folder does not exist.
        ValueError: the folder holds no image file.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"list_images: no such folder: {folder}")
    candidates = folder.rglob("*") if recursive else folder.iterdir()
    images = sorted(p for p in candidates
                    if p.is_file() and not p.name.startswith(".")
                    and p.suffix.lower() in IMAGE_EXTENSIONS)
    if not images:
        raise ValueError(f"list_images: no image files ({', '.join(IMAGE_EXTENSIONS)}) "
                         f"in {folder}")
    return images


def _webp_is_lossy(head):
    """Walk the RIFF chunks of a WebP header: 'VP8 ' is lossy, 'VP8L' is lossless."""
    pos = 12
    while pos + 8 <= len(head):
        fourcc = head[pos:pos + 4]
        if fourcc == b"VP8 ":
            return True
        if fourcc == b"VP8L":
            return False
        size = struct.unpack("<I", head[pos + 4:pos + 8])[0]
        pos += 8 + size + (size & 1)
    return False


def is_lossy(path):
    """Whether an image file uses lossy compression (JPEG, lossy WebP, JPEG-in-TIFF)."""
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(1 << 16)
    if head[:3] == b"\xff\xd8\xff":
        return True
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _webp_is_lossy(head)
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        try:
            with Image.open(path) as image:
                return str(image.info.get("compression", "")).startswith("jpeg")
        except (OSError, UnidentifiedImageError):
            return False
    return False


def check_lossless(paths, what="HR training images"):
    """Warn (``LossyImageWarning``) when some of ``paths`` are stored lossily.

    The SR literature trains on losslessly stored HR images; JPEG block artefacts in the
    targets are learned by the model. This only warns: the data may be all one has.

    Args:
        paths: iterable of image paths.
        what: how the images are named in the warning.

    Returns:
        ``list[Path]`` of the lossy files (empty when all are lossless).
    """
    lossy = [Path(p) for p in paths if is_lossy(p)]
    if lossy:
        examples = ", ".join(str(p) for p in lossy[:3])
        more = f" and {len(lossy) - 3} more" if len(lossy) > 3 else ""
        warnings.warn(f"{len(lossy)} {what} are stored with lossy compression (JPEG/WebP): "
                      f"{examples}{more}. SR papers use lossless HR images (PNG); the model "
                      "will learn to reproduce compression artefacts.",
                      LossyImageWarning, stacklevel=2)
    return lossy


def warn_if_lossy(path):
    """``check_lossless`` for a single file; returns True when it is lossy."""
    return bool(check_lossless([path], what="image"))


def file_sha256(path):
    """Hex SHA-256 digest of a file, read in 1 MiB blocks.

    Identifies a file by content: a downloaded archive (``keras_sr.data.sets``), the
    float weights a QAT state started from (``keras_sr.quantization.recipe``).

    Args:
        path: str or Path of a readable file.

    Returns:
        str of 64 lowercase hex digits.

    Example:
        >>> import tempfile, pathlib
        >>> f = pathlib.Path(tempfile.mkdtemp()) / "empty"
        >>> _ = f.write_bytes(b"")
        >>> file_sha256(f)[:16]
        'e3b0c44298fc1c14'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


__all__ = ["atomic_path", "atomic_write_text", "file_sha256", "read_image", "write_image", "image_mode", "list_images", "is_lossy",
           "check_lossless", "warn_if_lossy", "ImageReadError", "LossyImageWarning",
           "AlphaFlattenedWarning", "IMAGE_EXTENSIONS"]
