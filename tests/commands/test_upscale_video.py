"""``keras-sr upscale in.mp4 out.mp4`` through the CLI: one-line errors, exit codes, and
no partial output left behind."""

import shutil

import numpy as np
import pytest

from keras_sr import cli

av = pytest.importorskip("av", reason="PyAV (the `video` extra) is not installed")
from keras_sr.inference import video  # noqa: E402  (after the skip: needs PyAV)

ESPCN = ["--model", "espcn", "--scale", "3"]


def _cli(capfd, *argv):
    """``(exit status, stderr lines)`` of ``keras-sr upscale ARGV`` run in this process."""
    status = cli.main(["upscale", *map(str, argv)])
    return status, capfd.readouterr().err.strip().splitlines()


def _one_line_error(capfd, folder, argv, *words):
    before = sorted(p.name for p in folder.iterdir())
    status, lines = _cli(capfd, *argv)
    lines = [line for line in lines if "%|" not in line]  # the progress bar's, if started
    assert status == 2 and len(lines) == 1, lines
    assert lines[0].startswith("keras-sr upscale: error:")
    for word in words:
        assert word in lines[0], lines[0]
    assert sorted(p.name for p in folder.iterdir()) == before  # no partial file


def test_command_writes_the_clip_and_says_how_fast(video_clip, tmp_path, capfd):
    path, _ = video_clip
    status, lines = _cli(capfd, path, tmp_path / "sr.mkv", *ESPCN, "--crf", "20")
    assert status == 0
    assert "6 frames" in lines[-1] and "fps" in lines[-1] and "audio copied" in lines[-1]
    assert "6/6" in " ".join(lines)  # the progress bar counted frames
    info = video.probe_video(tmp_path / "sr.mkv")
    assert (info["width"], info["height"], info["rate"]) == (192, 144, 25)
    with av.open(str(tmp_path / "sr.mkv")) as container:  # Matroska keeps no frame count
        assert len(list(container.decode(video=0))) == 6
    assert info["rotation"] == 90
    assert [p.name for p in tmp_path.iterdir()] == ["sr.mkv"]


def test_bad_inputs_are_one_line_errors_and_leave_nothing(video_clip, tmp_path, capfd,
                                                         clip_writer):
    path, frames = video_clip
    out = tmp_path / "out.mp4"
    (tmp_path / "notes.txt").write_text("not a video")
    _one_line_error(capfd, tmp_path, [tmp_path / "notes.txt", out, *ESPCN],
                    "notes.txt", "is not a readable video")
    with av.open(str(tmp_path / "sound.m4a"), "w") as container:  # audio only
        stream = container.add_stream("aac", rate=16000)
        stream.layout = "mono"
        samples = av.AudioFrame.from_ndarray(np.zeros((1, 4096), "float32"), format="fltp",
                                             layout="mono")
        samples.sample_rate, samples.pts = 16000, 0
        for packet in list(stream.encode(samples)) + list(stream.encode(None)):
            container.mux(packet)
    _one_line_error(capfd, tmp_path, [tmp_path / "sound.m4a", out, *ESPCN],
                    "sound.m4a", "has no video stream")
    data = path.read_bytes()
    (tmp_path / "cut.mp4").write_bytes(data[:len(data) // 2])  # index at the end: lost
    _one_line_error(capfd, tmp_path, [tmp_path / "cut.mp4", out, *ESPCN], "cut.mp4")
    _one_line_error(capfd, tmp_path, [path, path, *ESPCN], "is the input file")
    (tmp_path / "file").write_text("")
    _one_line_error(capfd, tmp_path, [path, tmp_path / "file" / "out.mp4", *ESPCN],
                    "cannot write in folder")
    _one_line_error(capfd, tmp_path, [path, tmp_path / "out.png", *ESPCN],
                    "unsupported extension '.png'", ".mp4")
    _one_line_error(capfd, tmp_path, [path, out, *ESPCN, "--codec", "nonesuch"],
                    "--codec nonesuch")


def test_truncated_stream_fails_midway_and_removes_the_partial_file(tmp_path, capfd,
                                                                     clip_writer,
                                                                     video_clip):
    _, frames = video_clip
    whole = clip_writer(tmp_path / "whole.mp4", np.concatenate([frames] * 4), audio=False,
                        faststart=True)  # index first: the frames are cut, not the index
    data = whole.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[:len(data) * 2 // 3])
    whole.unlink()
    _one_line_error(capfd, tmp_path, [cut, tmp_path / "out.mp4", *ESPCN],
                    "cut.mp4", "truncated or corrupt")


def test_ctrl_c_exits_130_and_removes_the_partial_file(video_clip, tmp_path, capfd,
                                                      monkeypatch):
    path, _ = video_clip
    calls = []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return np.zeros((144, 192, 3), "uint8")

    monkeypatch.setattr(video, "upscale_frame", interrupted)
    status, lines = _cli(capfd, path, tmp_path / "out.mp4", *ESPCN)
    assert status == 130 and lines[-1] == "keras-sr upscale: interrupted"
    assert list(tmp_path.iterdir()) == []


def test_missing_pyav_says_how_to_install_it(video_clip, tmp_path, capfd, monkeypatch):
    def missing():
        raise ModuleNotFoundError("video needs PyAV, which is not installed: "
                                  f"{video.INSTALL_HINT}")

    monkeypatch.setattr(video, "import_av", missing)
    _one_line_error(capfd, tmp_path, [video_clip[0], tmp_path / "out.mp4", *ESPCN],
                    'pip install -e ".[video]"')
