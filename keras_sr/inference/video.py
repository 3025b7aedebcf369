"""Video super resolution: decode, upscale and encode frame by frame (PyAV).

A clip is streamed: one decoded frame at a time goes through
:func:`upscale_frame` (the image path, :func:`keras_sr.inference.tiling.upscale_tiled`:
RGB models get RGB, Y models get the BT.601 Y channel with Cb/Cr upscaled by MATLAB
bicubic) and is encoded straight away, so memory does not grow with the clip's length.
The output keeps the input's frame timestamps (so its frame rate, constant or not), its
display matrix (rotation and flips) and its colour tags; audio is copied packet by packet
when the output container can hold its codec, else re-encoded with the container's
default audio codec. Everything is written to a temporary file next to the output and
renamed at the end; a failure or Ctrl-C removes it.

PyAV (``pip install av``, the ``video`` extra) is imported only when a function here
needs it.
"""

import time
from pathlib import Path

import numpy as np

from keras_sr.image.io import atomic_path
from keras_sr.inference.tiling import receptive_radius, upscale_tiled
from keras_sr.runtime import as_callable

# Containers the output may use (FFmpeg picks the muxer from the suffix).
VIDEO_SUFFIXES = (".mp4", ".mkv", ".mov", ".m4v")
# Inputs taken for videos by `keras-sr upscale` (FFmpeg reads more; any file works with a
# video output).
INPUT_SUFFIXES = VIDEO_SUFFIXES + (".avi", ".webm", ".mpg", ".mpeg", ".ts", ".flv", ".wmv")
DEFAULT_CODEC = "libx264"
DEFAULT_CRF = 18
PIXEL_FORMAT = "yuv420p"
# Frame colour tags copied to the output (RGB conversions use the same matrix both ways).
COLOUR_TAGS = ("colorspace", "color_range", "color_primaries", "color_trc")
INSTALL_HINT = 'pip install -e ".[video]" (or pip install av)'


def import_av():
    """Return the ``av`` module, or raise ``ModuleNotFoundError`` saying how to install it."""
    try:
        import av  # deferred on purpose: PyAV is the optional `video` extra
    except ImportError:
        raise ModuleNotFoundError(f"video needs PyAV, which is not installed: "
                                  f"{INSTALL_HINT}") from None
    return av


def _reason(error):
    """FFmpeg's own words for an error, without PyAV's errno prefix and path."""
    text = getattr(error, "strerror", None) or str(error)
    return " ".join(str(text).split())


def _open_input(av, path):
    """Open ``path`` for reading; raise a one-line error when it is not a video."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such input video: {path}")
    try:
        container = av.open(str(path))
    except av.FFmpegError as error:
        raise ValueError(f"{path} is not a readable video ({_reason(error)})") from None
    if not container.streams.video:
        kinds = sorted({s.type for s in container.streams}) or ["none"]
        container.close()
        raise ValueError(f"{path} has no video stream (streams: {', '.join(kinds)})")
    if container.format.name == "image2" or container.format.name.endswith("_pipe"):
        container.close()
        raise ValueError(f"{path} is an image, not a video; upscale it to a .png output")
    return container


def _display_matrix(frame):
    """The frame's display matrix as 9 ints (rotation / flips), or None."""
    for side_data in frame.side_data:
        if str(getattr(side_data, "type", "")).upper().endswith("DISPLAYMATRIX"):
            return [int(v) for v in np.frombuffer(bytes(side_data), dtype="<i4")[:9]]
    return None


def probe_video(path):
    """What :func:`upscale_video` needs to know of a clip, read from its first frame.

    Args:
        path: str or Path of the input video.

    Returns:
        dict with ``width``, ``height`` (int, px of the coded frames), ``frames`` (int,
        the container's count; 0 when it does not say), ``rate`` (``Fraction`` or None,
        the average frame rate), ``audio`` (codec name or None), ``rotation`` (int
        degrees counter-clockwise, as PyAV reads it) and ``display_matrix`` (9 ints or
        None), ``colour`` (dict of the frame's colour tags: :data:`COLOUR_TAGS`).

    Raises:
        FileNotFoundError, ValueError: no such file, not a video, no video stream, no
        decodable frame.
    """
    av = import_av()
    container = _open_input(av, path)
    try:
        stream = container.streams.video[0]
        audio = container.streams.audio[0].codec_context.name if container.streams.audio \
            else None
        try:
            first = next(container.decode(stream), None)
        except av.FFmpegError as error:
            raise ValueError(f"{path}: cannot decode its first frame ({_reason(error)}); "
                             "truncated or corrupt?") from None
        if first is None:
            raise ValueError(f"{path}: its video stream has no decodable frame")
        return {"width": first.width, "height": first.height,
                "frames": int(stream.frames or 0),
                "rate": stream.average_rate or stream.guessed_rate,
                "audio": audio, "rotation": int(first.rotation or 0),
                "display_matrix": _display_matrix(first),
                "colour": {name: getattr(first, name) for name in COLOUR_TAGS}}
    finally:
        container.close()


def upscale_frame(model, frame, scale, tile=None, overlap=None, radius=None):
    """Upscale one RGB frame exactly as ``keras-sr upscale`` upscales an image, with the
    colour code compiled once per frame shape (``upscale_array(compiled=True)``).

    Args:
        model: ``keras.Model``, ``TFLiteModel`` or callable on ``(1, h, w, c)`` float32
            batches in [0, 1] (1 channel: Y with bicubic Cb/Cr, 3: RGB).
        frame: uint8 ``(h, w, 3)`` RGB (or float32 in [0, 1]).
        scale: int, the model's factor.
        tile: int core tile in LR px; None: the whole frame in one pass.
        overlap: int LR px of tile context; None: ``radius``.
        radius: int, the model's receptive radius (measure it once per clip with
            :func:`keras_sr.inference.receptive_radius`; None measures it every call).

    Returns:
        uint8 ``(h*scale, w*scale, 3)``.

    Example:
        >>> frame = np.full((4, 6, 3), 200, dtype="uint8")
        >>> nearest = lambda x: np.repeat(np.repeat(x, 2, axis=1), 2, axis=2)
        >>> out = upscale_frame(nearest, frame, 2, radius=0)
        >>> out.shape, out.dtype, int(out.min()), int(out.max())
        ((8, 12, 3), dtype('uint8'), 200, 200)
    """
    tile = max(frame.shape[:2]) if tile is None else tile
    return upscale_tiled(model, frame, scale, tile=tile, overlap=overlap,
                         output_dtype="uint8", radius=radius, compiled=True)


def _encoder_check(av, out, codec, output):
    try:
        av.Codec(codec, "w")
    except Exception:  # PyAV raises its own UnknownCodecError / ValueError here
        raise ValueError(f"--codec {codec}: no such encoder in this FFmpeg build (try "
                         f"{DEFAULT_CODEC}, libx265, libvpx-vp9, mpeg4)") from None
    names = out.supported_codecs
    if codec not in names and av.Codec(codec, "w").name not in names:
        raise ValueError(f"--codec {codec}: the {Path(output).suffix} container cannot "
                         "hold it; choose another codec or container")


def upscale_video(model, input_path, output_path, scale, tile=None, overlap=None,
                  radius=None, codec=DEFAULT_CODEC, crf=DEFAULT_CRF, num_threads=None,
                  progress=None):
    """Super-resolve a video clip frame by frame into a new file.

    Args:
        model: ``keras.Model``, ``.tflite`` path, ``TFLiteModel`` or callable (see
            :func:`upscale_frame`).
        input_path: str or Path of the clip (anything FFmpeg reads).
        output_path: str or Path of the result; its suffix picks the container
            (:data:`VIDEO_SUFFIXES`). Written through a temporary file in the same
            folder, renamed at the end; removed if anything fails or is interrupted.
        scale: int, the model's factor.
        tile: int core tile in LR px, or None for whole frames.
        overlap: int LR px of tile context, or None (the receptive radius).
        radius: int receptive radius if known, else measured once here.
        codec: str FFmpeg encoder name (default ``libx264``), pixel format yuv420p.
        crf: int or None, constant rate factor passed to the encoder (x264/x265/VP9:
            lower is better; 18 is visually lossless for H.264).
        num_threads: int or None, interpreter threads for a ``.tflite`` path.
        progress: optional callable ``(done, total)`` after each frame (``total`` is
            the container's frame count, 0 when unknown).

    Returns:
        dict: ``frames`` (int), ``width``/``height`` (int, output px), ``audio``
        (``"copied"``, ``"re-encoded <codec>"`` or None), ``decode_s``, ``model_s``,
        ``encode_s`` and ``total_s`` (float seconds; decode includes the RGB
        conversion, encode the conversion back to yuv420p and the muxing), and
        ``first_frame_model_s`` (the first frame's share of ``model_s``: it includes
        tracing and compiling, so ``(model_s - first_frame_model_s) / (frames - 1)`` is
        the steady per-frame model time).

    Raises:
        ModuleNotFoundError: PyAV is missing.
        FileNotFoundError, ValueError: not a video, no video stream, truncated or
            corrupt input, an encoder that does not exist or fit the container.
        OSError: the output cannot be written.
    """
    av = import_av()
    start = time.perf_counter()
    info = probe_video(input_path)
    model = as_callable(model, num_threads=num_threads)
    if radius is None:
        try:
            radius = receptive_radius(model, scale)
        except ValueError:  # a fixed-size .tflite cannot run the probe
            radius = overlap or 0
    output_path = Path(output_path)
    source = out = None
    try:
        with atomic_path(output_path) as temp:  # removed on any error: no half video
            source = _open_input(av, input_path)
            out = av.open(str(temp), "w")
            stats = _stream(av, source, out, info, model, scale, tile, overlap, radius,
                            codec, crf, progress, input_path, output_path)
            out.close()
            out = None
    except BaseException:
        for container in (out, source):
            if container is not None:
                try:
                    container.close()
                except Exception:  # already failing: the first error is the one to show
                    pass
        source = None
        raise
    finally:
        if source is not None:
            source.close()
    stats["total_s"] = time.perf_counter() - start
    return stats


def _stream(av, source, out, info, model, scale, tile, overlap, radius, codec, crf,
            progress, input_path, output_path):
    """The decode -> upscale -> encode loop; returns :func:`upscale_video`'s stats."""
    in_video = source.streams.video[0]
    in_video.thread_type = "AUTO"
    _encoder_check(av, out, codec, output_path)
    width, height = info["width"] * scale, info["height"] * scale
    width, height = width - width % 2, height - height % 2  # yuv420p needs even sides
    video = out.add_stream(codec, rate=info["rate"],
                           options={"crf": str(crf)} if crf is not None else {})
    video.width, video.height, video.pix_fmt = width, height, PIXEL_FORMAT
    video.codec_context.time_base = in_video.time_base
    video.time_base = in_video.time_base
    for name, value in info["colour"].items():
        if hasattr(video.codec_context, name):
            setattr(video.codec_context, name, value)
    if info["display_matrix"] is not None:
        video.set_display_matrix(info["display_matrix"])
    audio_in = source.streams.audio[0] if source.streams.audio else None
    audio_out, audio_note = None, None
    if audio_in is not None:
        if audio_in.codec_context.name in out.supported_codecs:
            audio_out, audio_note = out.add_stream_from_template(audio_in), "copied"
        else:
            name = out.default_audio_codec
            audio_out = out.add_stream(name, rate=audio_in.codec_context.sample_rate)
            audio_out.layout = audio_in.codec_context.layout
            audio_note = f"re-encoded {name}"
            resampler = av.AudioResampler(format=audio_out.codec_context.format.name,
                                          layout=audio_out.layout,
                                          rate=audio_out.codec_context.sample_rate)
    try:
        out.start_encoding()
    except av.FFmpegError as error:
        raise OSError(f"output {output_path}: cannot start writing ({_reason(error)})") \
            from None
    times = {"decode_s": 0.0, "model_s": 0.0, "encode_s": 0.0, "first_frame_model_s": 0.0}
    tags = info["colour"]
    done = 0
    step = None

    def encode(frame):
        for packet in video.encode(frame):
            out.mux(packet)

    def write(frame):
        nonlocal done, step
        clock = time.perf_counter()
        lr = frame.reformat(format="rgb24", src_color_range=frame.color_range) \
            .to_ndarray()
        now = time.perf_counter()
        times["decode_s"] += now - clock
        sr = upscale_frame(model, lr, scale, tile=tile, overlap=overlap, radius=radius)
        clock = time.perf_counter()
        times["model_s"] += clock - now
        if done == 0:   # tracing, compiling or interpreter set-up happen here
            times["first_frame_model_s"] = clock - now
        picture = av.VideoFrame.from_ndarray(np.ascontiguousarray(sr[:height, :width]),
                                             format="rgb24")
        picture = picture.reformat(format=PIXEL_FORMAT, dst_colorspace=tags["colorspace"],
                                   dst_color_range=tags["color_range"])
        if frame.pts is not None:
            picture.pts, picture.time_base = frame.pts, frame.time_base
        else:  # no timestamps (some AVI): count frames at the stream's rate
            step = step or int(round(1 / (info["rate"] * in_video.time_base)))
            picture.pts, picture.time_base = done * step, in_video.time_base
        encode(picture)
        times["encode_s"] += time.perf_counter() - clock
        done += 1
        if progress is not None:
            progress(done, info["frames"])

    streams = [in_video] + ([audio_in] if audio_in is not None else [])
    try:
        for packet in source.demux(*streams):
            if packet.stream is in_video or packet.stream.index == in_video.index:
                clock = time.perf_counter()
                frames = packet.decode()
                times["decode_s"] += time.perf_counter() - clock
                for frame in frames:
                    write(frame)
            elif audio_note == "copied":
                if packet.dts is None:  # the demuxer's end-of-stream marker
                    continue
                packet.stream = audio_out
                out.mux(packet)
            else:
                for samples in packet.decode():
                    samples.pts = None
                    for converted in resampler.resample(samples):
                        for encoded in audio_out.encode(converted):
                            out.mux(encoded)
    except av.FFmpegError as error:
        if isinstance(error, OSError) and getattr(error, "filename", None) == str(out.name):
            raise OSError(f"output {output_path}: {_reason(error)}") from None
        raise ValueError(f"{input_path}: cannot decode frame {done + 1} "
                         f"({_reason(error)}); truncated or corrupt?") from None
    clock = time.perf_counter()
    encode(None)
    if audio_out is not None and audio_note != "copied":
        for encoded in audio_out.encode(None):
            out.mux(encoded)
    times["encode_s"] += time.perf_counter() - clock
    if info["frames"] and done < info["frames"]:
        raise ValueError(f"{input_path}: truncated or corrupt: decoded {done} of the "
                         f"{info['frames']} frames its header lists")
    if done == 0:
        raise ValueError(f"{input_path}: no frame could be decoded")
    return {"frames": done, "width": width, "height": height, "audio": audio_note,
            **times}


__all__ = ["VIDEO_SUFFIXES", "INPUT_SUFFIXES", "DEFAULT_CODEC", "DEFAULT_CRF", "import_av", "probe_video",
           "upscale_frame", "upscale_video"]
