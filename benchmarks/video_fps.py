"""Video upscaling speed: frames per second of ``keras-sr upscale in.mp4 out.mp4``.

A clip of ``--frames`` 640x360 frames panning over Set14's ``img_011`` (768x512) with a
sine audio track is made with PyAV, then upscaled x3 by ESPCN through
``keras_sr.inference.video.upscale_video`` (the command's path: H.264 yuv420p CRF 18,
audio copied) as a float Keras model and as the int8 TFLite file of
``keras-sr export --model espcn --scale 3 --weights pretrained --quantize int8-qat``,
each with 1 and 2 threads (TensorFlow intra-op threads for Keras, interpreter threads
for TFLite; the decoder and x264 pick their own). Each setting runs in its own process
(TensorFlow's thread count is fixed at start-up). Decoding (with the RGB conversion),
model and encoding (with the conversion back and muxing) are timed apart, and the
model time of the first frame (tracing, compiling) apart from the later frames'. Results:
``benchmarks/results/video_fps.json``.

    python benchmarks/video_fps.py --tflite espcn_x3_int8.tflite --frames 48 --clip pan.mp4
    python benchmarks/video_fps.py --tflite espcn_x3_int8.tflite --frames 4   # quick
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from results_file import write_result  # benchmarks/ is on sys.path when run as a script

import numpy as np

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
SIZE = (360, 640)


def make_clip(path, frames, rate=25):
    """Write ``frames`` 640x360 frames panning over Set14 img_011, with a 440 Hz tone."""
    import av  # deferred on purpose: PyAV is the optional `video` extra

    from keras_sr.data.sets import resolve_dataset
    from keras_sr.image.io import read_image

    folder = Path(resolve_dataset("Set14", download=False))
    image = np.round(read_image(folder / "img_011.png") * 255).astype("uint8")
    height, width = SIZE
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=rate, options={"crf": "18"})
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        sound = container.add_stream("aac", rate=44100)
        sound.layout = "mono"
        for index in range(frames):
            t = index / max(frames - 1, 1)
            y = int(t * (image.shape[0] - height))
            x = int(t * (image.shape[1] - width))
            frame = av.VideoFrame.from_ndarray(
                np.ascontiguousarray(image[y:y + height, x:x + width]), format="rgb24")
            frame.pts = index
            for packet in video.encode(frame):
                container.mux(packet)
        seconds = np.arange(44100 * frames // rate) / 44100
        wave = (0.2 * np.sin(2 * np.pi * 440 * seconds)).astype("float32")[None]
        samples = av.AudioFrame.from_ndarray(wave, format="fltp", layout="mono")
        samples.sample_rate, samples.pts = 44100, 0
        for packet in list(sound.encode(samples)) + list(sound.encode(None)):
            container.mux(packet)
        for packet in video.encode(None):
            container.mux(packet)
    return path


def measure(kind, threads, clip, tflite):
    """One setting in this process: the stats of ``upscale_video`` plus fps."""
    if kind == "keras":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        from keras_sr import models

        model = models.get("espcn", scale=3, weights="pretrained")
    else:
        from keras_sr.runtime import TFLiteModel

        model = TFLiteModel(tflite, num_threads=threads)
    from keras_sr.inference.video import upscale_video

    with tempfile.TemporaryDirectory() as folder:
        # the first frame's tracing and compiling are reported apart (first_frame_model_s)
        stats = upscale_video(model, clip, Path(folder) / "out.mp4", 3, radius=4)
    frames = stats["frames"]
    return {"model": "espcn x3 float32 (Keras, TensorFlow)" if kind == "keras" else
            "espcn x3 int8 QAT (TFLite, LiteRT)", "threads": threads, "frames": frames,
            "fps": frames / stats["total_s"],
            "ms_per_frame": {k[:-2]: 1000 * stats[k] / frames
                             for k in ("decode_s", "model_s", "encode_s", "total_s")},
            "model_ms_first_frame": 1000 * stats["first_frame_model_s"],
            "model_ms_per_frame_after_the_first": 1000 * (
                stats["model_s"] - stats["first_frame_model_s"]) / max(frames - 1, 1),
            "audio": stats["audio"]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tflite", required=True,
                        help="ESPCN x3 int8 .tflite (keras-sr export ... --quantize "
                             "int8-qat)")
    parser.add_argument("--frames", type=int, default=48)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--clip", default=None, help="keep the input clip here")
    parser.add_argument("--one", nargs=2, metavar=("KIND", "THREADS"),
                        help=argparse.SUPPRESS)  # internal: one setting, JSON on stdout
    parser.add_argument("--out", default=str(RESULTS / "video_fps.json"))
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.one[0], int(args.one[1]), args.clip, args.tflite)))
        return
    load_at_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        clip = Path(args.clip or Path(folder) / "pan_640x360.mp4")
        make_clip(clip, args.frames)
        rows = []
        for kind in ("keras", "int8"):
            for threads in args.threads:
                done = subprocess.run(
                    [sys.executable, __file__, "--tflite", args.tflite, "--clip",
                     str(clip), "--one", kind, str(threads)],
                    capture_output=True, text=True, check=True,
                    env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
                rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
                print(rows[-1])
    write_result(args.out, {
        "benchmark": "video_fps", "input": "640x360 H.264 clip, pan over Set14 img_011, "
        "AAC audio", "output": "1920x1080 H.264 yuv420p CRF 18 (libx264), audio copied",
        "frames": args.frames, "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "load_average_1min_at_start": round(load_at_start, 2),
        "note": "each setting in a fresh process; the first frame includes graph tracing "
                "or interpreter set-up; a load average above 0.5 at start means other "
                "jobs shared the cores",
        "command": "python benchmarks/video_fps.py --tflite espcn_x3_int8.tflite "
                   f"--frames {args.frames}",
        "results": rows})


if __name__ == "__main__":
    main()
