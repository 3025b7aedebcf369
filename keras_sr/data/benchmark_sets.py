"""The standard SR test sets: where they live, how to get them, HR/LR folder pairs.

An evaluation set is either a folder of HR images (LR inputs are made by the
degradation under test) or a folder holding an ``HR`` sub-folder plus LR images in
``LR/X<scale>``, ``LR/x<scale>``, ``LR_bicubic/X<scale>`` or ``LR`` (paired in sorted
order). Standard sets are found by name under the data root: ``$KERAS_SR_DATA`` or
``~/.keras_sr/datasets``.

Names (case-insensitive): Set5, Set14, B100 (alias BSD100), Urban100, Manga109,
DIV2K-valid (alias DIV2K). Missing sets are downloaded when the machine is online
(HR images only; LR is recomputed by the protocol).
"""

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from keras_sr.image.io import IMAGE_EXTENSIONS, list_images

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
    """The folder holding the named sets: ``$KERAS_SR_DATA`` or ``~/.keras_sr/datasets``."""
    return Path(os.environ.get("KERAS_SR_DATA") or DEFAULT_ROOT).expanduser()


def canonical_name(name):
    """The canonical spelling of a set name (case-insensitive), or None if unknown."""
    key = str(name).strip().lower()
    for canonical in DATASETS:
        if canonical.lower() == key:
            return canonical
    return ALIASES.get(key.replace("-", "_"), ALIASES.get(key))


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
        if entry["sha256"] is not None and _sha256(archive) != entry["sha256"]:
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


def resolve_dataset(name_or_path, download=True):
    """Find an evaluation set on disk (downloading a named one when missing).

    Args:
        name_or_path: a folder (of HR images, or with ``HR``/``LR`` sub-folders), or a
            set name: Set5, Set14, B100, Urban100, Manga109, DIV2K-valid (any case).
        download: fetch a missing named set (needs network access).

    Returns:
        ``Path`` of the set's folder.

    Raises:
        DatasetNotFoundError: a named set is missing and cannot be downloaded; the message
            says what to do.
        ValueError: neither an existing folder nor a known name.
    """
    path = Path(str(name_or_path)).expanduser()
    if path.is_dir():
        return path
    canonical = canonical_name(name_or_path)
    if canonical is None:
        raise ValueError(f"dataset {str(name_or_path)!r} is neither a folder nor a known test "
                         f"set; known sets: {', '.join(DATASETS)} (looked under "
                         f"{data_root()}, set KERAS_SR_DATA to change)")
    root = data_root()
    for candidate in (root / canonical, *(p for p in root.glob("*")
                                          if p.is_dir() and p.name.lower() == canonical.lower())):
        if candidate.is_dir():
            return candidate
    if not download:
        raise DatasetNotFoundError(_offline_message(canonical, root / canonical,
                                                    "download=False"))
    return download_dataset(canonical, root)


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


__all__ = ["data_root", "resolve_dataset", "download_dataset", "hr_lr_folders",
           "canonical_name", "DATASETS", "DatasetNotFoundError"]
