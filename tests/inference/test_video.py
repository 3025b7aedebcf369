"""Video upscaling: each frame as the image path makes it, streams and metadata kept."""

import argparse

import numpy as np
import pytest

from keras_sr import models
from keras_sr.commands import upscale as command
from keras_sr.image.io import read_image, write_image
from keras_sr.inference import predict, receptive_radius

av = pytest.importorskip("av", reason="PyAV (the `video` extra) is not installed")
from keras_sr.inference import video  # noqa: E402  (after the skip: needs PyAV)


@pytest.fixture(scope="module")
def espcn():
    """The shipped ESPCN x3, a Y-channel model (luma by the model, chroma bicubic)."""
    return models.get("espcn", scale=3, weights="pretrained")


def _decoded(path):
    """Every frame of ``path`` as uint8 RGB, converted as the video path converts it."""
    with av.open(str(path)) as container:
        return [f.reformat(format="rgb24", src_color_range=f.color_range).to_ndarray()
                for f in container.decode(video=0)]


def _psnr(a, b):
    mse = np.mean((a.astype("float64") - b.astype("float64")) ** 2)
    return 10 * np.log10(255.0 ** 2 / mse)


def test_a_frame_is_upscaled_exactly_as_keras_sr_upscale_does_an_image(espcn, video_clip,
                                                                        tmp_path):
    path, _ = video_clip
    radius = receptive_radius(espcn, 3)
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    for index, lr in enumerate(_decoded(path)[:2]):
        sr = video.upscale_frame(espcn, lr, 3, radius=radius)
        assert sr.shape == (144, 192, 3) and sr.dtype == np.uint8
        write_image(tmp_path / f"f{index}.png", lr)
        args = parser.parse_args([str(tmp_path / f"f{index}.png"),
                                  str(tmp_path / f"sr{index}.png"),
                                  "--model", "espcn", "--scale", "3"])
        assert command.run(args) == 0
        image_path = np.round(read_image(tmp_path / f"sr{index}.png") * 255).astype("uint8")
        # the frame path compiles its colour code (XLA / jax.jit): float32 sums in another
        # order may move a value across a rounding boundary, by one level, rarely
        levels = np.abs(sr.astype(int) - image_path)
        assert levels.max() <= 1 and np.mean(levels > 0) < 1e-3
        # and within one level of the float image path (Y by the model, CbCr bicubic)
        reference = predict.upscale_array(espcn, lr)
        assert np.abs(sr / 255.0 - reference).max() <= 1 / 255 + 1e-6
        # tiles give the same pixels as the whole frame
        tiled = video.upscale_frame(espcn, lr, 3, tile=20, radius=radius)
        assert np.abs(tiled.astype(int) - sr).max() <= 1


def test_clip_keeps_frames_rate_audio_rotation_and_matches_the_image_path(espcn,
                                                                          video_clip,
                                                                          tmp_path):
    path, _ = video_clip
    seen = []
    out = tmp_path / "sr.mp4"
    stats = video.upscale_video(espcn, path, out, 3, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(i, 6) for i in range(1, 7)]
    assert (stats["frames"], stats["width"], stats["height"], stats["audio"]) == \
        (6, 192, 144, "copied")
    assert min(stats["decode_s"], stats["model_s"], stats["encode_s"]) > 0
    assert 0 < stats["first_frame_model_s"] < stats["model_s"]
    info = video.probe_video(out)
    assert (info["width"], info["height"], info["frames"]) == (192, 144, 6)
    assert info["rate"] == 25 and info["rotation"] == 90 and info["audio"] == "aac"
    times, audio = [], []
    for clip in (path, out):
        with av.open(str(clip)) as container:
            times.append([f.time for f in container.decode(video=0)])
        with av.open(str(clip)) as container:
            audio.append([bytes(p) for p in container.demux(audio=0) if p.size])
    assert times[1] == pytest.approx(times[0])
    assert audio[1] == audio[0] and len(audio[0]) >= 4  # AAC copied, not re-encoded
    radius = receptive_radius(espcn, 3)
    for lr, sr in zip(_decoded(path), _decoded(out)):
        assert _psnr(sr, video.upscale_frame(espcn, lr, 3, radius=radius)) > 35.0
    assert [p.name for p in tmp_path.iterdir()] == ["sr.mp4"]


def test_rgb_model_and_no_audio(tmp_path, clip_writer):
    """An RGB callable gets RGB frames; a clip without audio gives one without."""
    frames = np.random.default_rng(0).integers(0, 256, (3, 16, 24, 3), dtype="uint8")
    clip = clip_writer(tmp_path / "in.mkv", frames, rotation=0, audio=False, crf=0)
    nearest = lambda x: np.repeat(np.repeat(x, 3, axis=1), 3, axis=2)  # noqa: E731
    nearest.channels = 3
    stats = video.upscale_video(nearest, clip, tmp_path / "out.mkv", 3, crf=0)
    assert (stats["width"], stats["height"], stats["audio"]) == (72, 48, None)
    for lr, sr in zip(_decoded(clip), _decoded(tmp_path / "out.mkv")):
        big = np.repeat(np.repeat(lr, 3, axis=0), 3, axis=1)
        assert _psnr(sr, big) > 30.0  # lossless H.264; only the 4:2:0 chroma differs
    info = video.probe_video(tmp_path / "out.mkv")
    assert info["rotation"] == 0 and info["display_matrix"] is None


@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_text("not a video"), "is not a readable video"),
    (lambda p: p.write_bytes(b""), "is not a readable video"),
])
def test_bad_input_raises_one_clear_error(tmp_path, make, message):
    bad = tmp_path / "bad.mp4"
    make(bad)
    with pytest.raises(ValueError, match=message):
        video.upscale_video(lambda x: x, bad, tmp_path / "out.mp4", 1, radius=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.mp4"]


def test_interrupt_removes_the_partial_output(video_clip, tmp_path):
    path, _ = video_clip

    def stop(done, total):
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        video.upscale_video(lambda x: np.repeat(np.repeat(x, 2, 1), 2, 2), path,
                            tmp_path / "out.mp4", 2, radius=0, progress=stop)
    assert list(tmp_path.iterdir()) == []
