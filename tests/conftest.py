"""Shared pytest fixtures: where the image sets are, which backend runs."""

import os
from pathlib import Path

import keras
import numpy as np
import pytest

from keras_sr.image.io import write_image

REPO = Path(__file__).resolve().parents[1]


def data_root():
    """The folder holding Set5, Set14, B100, T91, BSD200 (or None when absent)."""
    candidates = [os.environ.get("KERAS_SR_DATA"), REPO.parent / "shared" / "datasets"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "Set5").is_dir():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def datasets_dir():
    root = data_root()
    if root is None:
        pytest.skip("image sets not found: set KERAS_SR_DATA or place ../shared/datasets")
    return root


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def rgb_batch(rng):
    """Two random RGB images, float32 (2, 16, 16, 3) in [0, 1)."""
    return rng.random((2, 16, 16, 3)).astype("float32")


@pytest.fixture(scope="module")
def mos_set(tmp_path_factory):
    """A folder for MOS studies: ``images/`` with two small photos (a.png 40x37, odd,
    modcropped at x2; b.png 32x44) and ``tiny.keras``, an ESPCN x2 (RGB, 8 filters)."""
    from skimage import data

    from keras_sr import models

    root = tmp_path_factory.mktemp("mos_set")
    (root / "images").mkdir()
    write_image(root / "images" / "a.png", data.astronaut()[100:140, 180:217])
    write_image(root / "images" / "b.png", data.chelsea()[40:72, 100:144])
    model = models.get("espcn", scale=2, channels=3, filters=8, mapping_filters=4)
    model.save(root / "tiny.keras")
    return root


@pytest.hookimpl(tryfirst=True)   # before -m deselects: slow_on_jax must become slow first
def pytest_collection_modifyitems(config, items):
    if keras.backend.backend() == "tensorflow":
        return
    for item in items:
        if "slow_on_jax" in item.keywords:
            item.add_marker(pytest.mark.slow)
    skip = pytest.mark.skip(reason=f"tf_only test, backend is {keras.backend.backend()}")
    for item in items:
        if "tf_only" in item.keywords:
            item.add_marker(skip)


def write_clip(path, frames, rate=25, rotation=90, audio=True, crf=10, faststart=False):
    """Write ``frames`` (uint8 ``(n, h, w, 3)``, even sides) as an H.264 clip with PyAV.

    ``rotation``: display rotation in degrees (0: none); ``audio``: a 440 Hz sine track
    (AAC, 16 kHz mono) as long as the video.
    """
    import av  # deferred on purpose: PyAV is the optional `video` extra

    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as container:
        video = container.add_stream("libx264", rate=rate, options={"crf": str(crf)})
        video.height, video.width = frames.shape[1:3]
        video.pix_fmt = "yuv420p"
        if rotation:
            video.set_display_rotation(rotation)
        if audio:
            sound = container.add_stream("aac", rate=16000)
            sound.layout = "mono"
        for index, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            frame.pts = index
            for packet in video.encode(frame):
                container.mux(packet)
        if audio:
            t = np.arange(16000 * len(frames) // rate) / 16000
            wave = (0.3 * np.sin(2 * np.pi * 440 * t)).astype("float32")[None]
            samples = av.AudioFrame.from_ndarray(wave, format="fltp", layout="mono")
            samples.sample_rate, samples.pts = 16000, 0
            for packet in sound.encode(samples):
                container.mux(packet)
            for packet in sound.encode(None):
                container.mux(packet)
        for packet in video.encode(None):
            container.mux(packet)
    return path


@pytest.fixture(scope="session")
def clip_writer():
    """:func:`write_clip`, for tests that make their own clips."""
    pytest.importorskip("av", reason="PyAV (the `video` extra) is not installed")
    return write_clip


@pytest.fixture(scope="session")
def video_clip(tmp_path_factory, datasets_dir):
    """``(path, frames)``: 6 frames of 48x64 panning over Set5's bird, 25 fps, sine audio,
    rotated 90 degrees; ``frames`` are the uint8 RGB frames that were encoded."""
    pytest.importorskip("av", reason="PyAV (the `video` extra) is not installed")
    from PIL import Image

    bird = np.asarray(Image.open(datasets_dir / "Set5" / "img_003.png").convert("RGB"))
    frames = np.stack([bird[4 * i:4 * i + 48, 6 * i:6 * i + 64] for i in range(6)])
    path = tmp_path_factory.mktemp("video") / "clip.mp4"
    return write_clip(path, frames), frames
