"""Image sets by name: the one data-root resolver, the standard test sets, HR/LR pairs.

``resolve_dataset(name_or_path)`` is where every part of keras_sr finds a set (training
folders such as T91 or BSD200, test sets such as Set5): an existing folder given
explicitly, else ``$KERAS_SR_DATA/<name>``, else ``~/.keras_sr/datasets/<name>``; a
missing standard test set is downloaded there when the machine is online.

An evaluation set is either a folder of HR images (LR inputs are made by the
degradation under test) or a folder holding an ``HR`` sub-folder plus LR images in
``LR/X<scale>``, ``LR/x<scale>``, ``LR_bicubic/X<scale>`` or ``LR`` (paired in sorted
order).

Names (case-insensitive): Set5, Set14, B100 (alias BSD100), Urban100, Manga109,
DIV2K-valid (alias DIV2K). Missing sets are downloaded when the machine is online
(HR images only; LR is recomputed by the protocol).
"""

import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from keras_sr.image.io import IMAGE_EXTENSIONS, file_sha256, list_images

DEFAULT_ROOT = Path("~/.keras_sr/datasets")

# name -> where to get the HR images. The sha256 of an archive is checked when known;
# it is None where we have not been able to record it from a trusted download yet (we do
# not write down digests we have not computed ourselves), and then only the image count
# is checked after extraction.
DATASETS = {
    "Set5": {"images": 5, "sha256": None,
             "url": "https://huggingface.co/datasets/eugenesiow/Set5/resolve/main/data/"
                    "Set5_HR.tar.gz"},
    "Set14": {"images": 14, "sha256": None,
              "url": "https://huggingface.co/datasets/eugenesiow/Set14/resolve/main/data/"
                     "Set14_HR.tar.gz"},
    "B100": {"images": 100, "sha256": None,
             "url": "https://huggingface.co/datasets/eugenesiow/BSD100/resolve/main/data/"
                    "BSD100_HR.tar.gz"},
    "Urban100": {"images": 100, "sha256": None,
                 "url": "https://huggingface.co/datasets/eugenesiow/Urban100/resolve/main/"
                        "data/Urban100_HR.tar.gz"},
    # Manga109 is distributed by its authors for academic use after a request
    # (http://www.manga109.org); there is no public archive to fetch automatically.
    "Manga109": {"images": 109, "sha256": None, "url": None,
                 "manual": "request it at http://www.manga109.org/en/download.html"},
    "DIV2K-valid": {"images": 100, "sha256": None,
                    "url": "http://data.vision.ee.ethz.ch/cvl/DIV2K/DIV2K_valid_HR.zip"},
}
ALIASES = {"bsd100": "B100", "div2k": "DIV2K-valid", "div2k_valid": "DIV2K-valid",
           "div2k_valid_hr": "DIV2K-valid", "div2kvalid": "DIV2K-valid"}


class DatasetNotFoundError(FileNotFoundError):
    """A named test set is neither on disk nor downloadable right now."""


def data_root():
    """The folder downloads go to: ``$KERAS_SR_DATA`` when set, else ``~/.keras_sr/datasets``."""
    return Path(os.environ.get("KERAS_SR_DATA") or DEFAULT_ROOT).expanduser()


def data_roots():
    """The folders searched for named sets, in order: ``$KERAS_SR_DATA`` (when set), then
    ``~/.keras_sr/datasets``."""
    roots = [Path(os.environ["KERAS_SR_DATA"]).expanduser()] \
        if os.environ.get("KERAS_SR_DATA") else []
    default = DEFAULT_ROOT.expanduser()
    return roots + ([default] if default not in roots else [])


def canonical_name(name):
    """The canonical spelling of a set name (case-insensitive), or None if unknown."""
    key = str(name).strip().lower()
    for canonical in DATASETS:
        if canonical.lower() == key:
            return canonical
    return ALIASES.get(key.replace("-", "_"), ALIASES.get(key))


def _extract(archive, destination):
    """Unpack a .zip or .tar(.gz) archive without letting members escape ``destination``."""
    destination = Path(destination)
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                target = (destination / member).resolve()
                if not target.is_relative_to(destination.resolve()):
                    raise ValueError(f"{archive}: unsafe path {member!r} in archive")
            zf.extractall(destination)
    else:
        with tarfile.open(archive) as tf:
            try:
                tf.extractall(destination, filter="data")
            except TypeError:  # Python without extraction filters: check paths ourselves
                for member in tf.getmembers():
                    target = (destination / member.name).resolve()
                    if not target.is_relative_to(destination.resolve()) or member.issym() \
                            or member.islnk():
                        raise ValueError(f"{archive}: unsafe member {member.name!r}")
                tf.extractall(destination)


def _image_folder(tree):
    """The folder of an extracted tree that holds the most images."""
    counts = {}
    for path in Path(tree).rglob("*"):
        if path.is_file() and path.suffix.lower() in IMAGE_EXTENSIONS:
            counts[path.parent] = counts.get(path.parent, 0) + 1
    if not counts:
        raise ValueError(f"the downloaded archive holds no images ({tree})")
    return max(counts, key=counts.get)


def _offline_message(name, target, reason):
    entry = DATASETS[name]
    how = (f"download {entry['url']}" if entry["url"] else entry.get("manual", ""))
    return (f"Test set {name!r} is not at {target} and could not be downloaded ({reason}). "
            f"To use it: {how} and put its HR images in {target}, or set KERAS_SR_DATA to "
            "a folder that has it, or pass the path of a folder of HR images instead of "
            "the name.")


def download_dataset(name, root=None, timeout=60):
    """Download and unpack a named set's HR images into ``root/<name>``.

    Args:
        name: a name of ``DATASETS`` (any case, or an alias).
        root: destination root; default ``data_root()``.
        timeout: seconds before a stalled connection is given up.

    Returns:
        ``Path`` of the folder of HR images.

    Raises:
        DatasetNotFoundError: offline, no public URL, or a checksum mismatch.
    """
    canonical = canonical_name(name)
    if canonical is None:
        raise ValueError(f"unknown test set {name!r}; known: {', '.join(DATASETS)}")
    entry = DATASETS[canonical]
    root = Path(root) if root is not None else data_root()
    target = root / canonical
    if entry["url"] is None:
        raise DatasetNotFoundError(_offline_message(canonical, target, "no public download"))
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root, prefix=".download-") as tmp:
        archive = Path(tmp) / entry["url"].rsplit("/", 1)[-1]
        try:
            with urllib.request.urlopen(entry["url"], timeout=timeout) as response, \
                    open(archive, "wb") as out:
                shutil.copyfileobj(response, out)
        except (urllib.error.URLError, OSError, TimeoutError) as err:
            raise DatasetNotFoundError(_offline_message(canonical, target, err)) from err
        if entry["sha256"] is not None and file_sha256(archive) != entry["sha256"]:
            raise DatasetNotFoundError(_offline_message(
                canonical, target, f"sha256 mismatch for {entry['url']}"))
        _extract(archive, Path(tmp) / "tree")
        folder = _image_folder(Path(tmp) / "tree")
        found = len(list_images(folder))
        if found != entry["images"]:
            raise DatasetNotFoundError(_offline_message(
                canonical, target, f"archive holds {found} images, expected {entry['images']}"))
        if target.exists():
            shutil.rmtree(target)
        shutil.move(str(folder), str(target))
    return target


def resolve_dataset(name_or_path, download=True, what="dataset"):
    """Find an image set on disk: the one resolver of set names and folders.

    Order: ``name_or_path`` itself when it is an existing folder; else
    ``$KERAS_SR_DATA/<name>``; else ``~/.keras_sr/datasets/<name>`` (names compared
    case-insensitively, aliases of the standard test sets accepted); else, for a standard
    test set (``DATASETS``) and ``download=True``, a download into ``data_root()``.

    Args:
        name_or_path: a folder (str or Path), or a set name: T91, BSD200, Set5, Set14,
            B100, Urban100, Manga109, DIV2K-valid, or any folder name under a data root.
        download: fetch a missing standard test set (needs network access).
        what: what the set is for, named in the error (e.g. ``"data.train"``).

    Returns:
        ``Path`` of the set's folder.

    Raises:
        DatasetNotFoundError: not found (every place tried is named) and not
            downloadable; the message says what to do.

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> resolve_dataset(folder) == folder
        True
    """
    path = Path(str(name_or_path)).expanduser()
    if path.is_dir():
        return path
    name = str(name_or_path)
    canonical = canonical_name(name)
    wanted = {name.lower(), (canonical or name).lower()}
    tried = [path]
    for root in data_roots():
        tried.append(root / (canonical or name))
        if tried[-1].is_dir():
            return tried[-1]
        if root.is_dir() and len(Path(name).parts) == 1:
            for candidate in sorted(root.iterdir()):
                if candidate.is_dir() and candidate.name.lower() in wanted:
                    return candidate
    if canonical is not None and download:
        return download_dataset(canonical, data_root())
    if canonical is not None:
        raise DatasetNotFoundError(_offline_message(canonical, data_root() / canonical,
                                                    "download=False"))
    raise DatasetNotFoundError(
        f"{what}: folder or set {name!r} not found; tried " + ", ".join(str(p) for p in tried)
        + ". Pass a folder of images, or put the set in $KERAS_SR_DATA/<name> (set "
        f"KERAS_SR_DATA) or {DEFAULT_ROOT}/<name>; downloadable test sets: "
        + ", ".join(n for n, e in DATASETS.items() if e["url"]))


def hr_lr_folders(folder, scale):
    """Split an evaluation set folder into its HR folder and optional LR folder.

    Args:
        folder: a folder of HR images, or one with an ``HR`` sub-folder and LR images in
            ``LR/X<scale>``, ``LR/x<scale>``, ``LR_bicubic/X<scale>``,
            ``LR_bicubic/x<scale>`` or ``LR``.
        scale: integer scale, to pick the LR sub-folder.

    Returns:
        ``(hr_folder, lr_folder_or_None)``.
    """
    folder = Path(folder)
    hr = folder / "HR"
    if not hr.is_dir():
        return folder, None
    for sub in (f"LR/X{scale}", f"LR/x{scale}", f"LR_bicubic/X{scale}",
                f"LR_bicubic/x{scale}", "LR"):
        candidate = folder / sub
        if candidate.is_dir() and any(p.suffix.lower() in IMAGE_EXTENSIONS
                                      for p in candidate.iterdir()):
            return hr, candidate
    return hr, None


__all__ = ["data_root", "data_roots", "resolve_dataset", "download_dataset", "hr_lr_folders",
           "canonical_name", "DATASETS", "DatasetNotFoundError"]
