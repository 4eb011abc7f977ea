"""Videos of episodes: the ``rgb_array`` frame of every step to an .mp4 or .gif file.

::

    from ticket_triage_marl.video import VideoWriter, write_recording_video
    write_recording_video("trace.jsonl", "episode.mp4")     # a recorded rollout, step by step
    with VideoWriter("episode.gif", fps=8) as video:   # or any frames, e.g. env.render()
        video.append(env.render())

``ticket-triage rollout --video FILE.mp4`` is :func:`rollout_video`. A frame is
a function of the snapshot alone (:func:`snapshot_frame`), and a trace records
every step's snapshot, so a trace's video shows exactly what ``env.render()``
showed during the run. Gymnasium's ``RecordVideo`` works too, on
``TicketTriageEnv(render_mode="rgb_array")``.

An .mp4 is streamed to ffmpeg frame by frame (``imageio-ffmpeg`` ships the
binary), so an episode of any length fits in memory; a .gif is written with
Pillow at the end and keeps every frame (palette-indexed) in memory, so it is
for short clips (at most :data:`GIF_MAX_FRAMES`). Both need the ``video``
extra (``pip install 'ticket_triage_marl[video]'``), which also installs
moviepy for Gymnasium's ``RecordVideo``. The file appears only when the
video is complete: a failure leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from types import TracebackType
from typing import Any, cast

import numpy as np

from ._deprecation import renamed_names
from .config import EnvConfig
from .extras import require
from .files import atomic_path
from .recordings import RolloutResult, iter_steps, read_header, run_rollout
from .render import render_snapshot

__all__ = [
    "GIF_MAX_FRAMES",
    "VIDEO_SUFFIXES",
    "VideoWriter",
    "check_video_path",
    "rollout_video",
    "snapshot_frame",
    "write_recording_video",
    "write_video",
]

VIDEO_SUFFIXES = (".mp4", ".gif")
GIF_MAX_FRAMES = 3000  # about 1.2 GB of palette-indexed 960x400 frames; use .mp4 beyond
_PURPOSE = "videos"


def check_video_path(path: str, n_frames: int | None = None) -> str:
    """Validate a video path before an episode is run; returns its suffix (``.mp4`` or ``.gif``).

    Args:
        path: The file to write.
        n_frames: How many frames will be written, if known (a .gif is limited).

    Raises:
        ValueError: Unknown suffix, or too many frames for a .gif.
        FileNotFoundError: The directory does not exist.
        MissingExtraError: The encoder for the suffix is not installed.
    """
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in VIDEO_SUFFIXES:
        raise ValueError(f"video file must end in {' or '.join(VIDEO_SUFFIXES)}, got {path!r}")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"output directory does not exist: {directory}")
    if suffix == ".gif":
        if n_frames is not None and n_frames > GIF_MAX_FRAMES:
            raise ValueError(
                f"a .gif keeps every frame in memory: {n_frames} frames is more than {GIF_MAX_FRAMES}; "
                "write an .mp4 instead"
            )
        require("PIL.Image", "video", _PURPOSE)
    else:
        require("imageio_ffmpeg", "video", _PURPOSE)
    return suffix


class VideoWriter:
    """Write frames (uint8 H x W x 3, all the same size) to ``path`` (.mp4 or .gif), atomically.

    Use as a context manager; the file is renamed into place on a clean exit
    and the temporary file removed on an exception.

    Args:
        path: The .mp4 or .gif file to write.
        fps: Frames per second.
    """

    def __init__(self, path: str, fps: float = 4.0) -> None:
        if not fps > 0:
            raise ValueError(f"fps must be > 0, got {fps}")
        self.path = path
        self.fps = float(fps)
        self.suffix = check_video_path(path)
        self.n_frames = 0
        self._shape: tuple[int, ...] | None = None
        self._temporary: str | None = None
        self._atomic: Any = None  # the files.atomic_path context of the temporary file
        self._encoder: Any = None
        self._gif_frames: list[Any] = []

    def __enter__(self) -> VideoWriter:
        self._atomic = atomic_path(self.path, suffix=f".tmp{self.suffix}")
        self._temporary = self._atomic.__enter__()
        return self

    def append(self, frame: np.ndarray) -> None:
        """Add one frame (uint8, H x W x 3, the size of the first frame)."""
        if self._temporary is None:
            raise RuntimeError("VideoWriter.append() outside its 'with' block")
        frame = np.asarray(frame)
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError(f"a frame must be uint8 H x W x 3, got {frame.dtype} {frame.shape}")
        if self._shape is None:
            self._shape = frame.shape
        elif frame.shape != self._shape:
            raise ValueError(f"frame {self.n_frames} is {frame.shape}, the first was {self._shape}")
        if self.suffix == ".gif":
            if self.n_frames >= GIF_MAX_FRAMES:
                raise ValueError(f"a .gif holds at most {GIF_MAX_FRAMES} frames; write an .mp4 instead")
            image_module = require("PIL.Image", "video", _PURPOSE)
            self._gif_frames.append(image_module.fromarray(frame).quantize(colors=128, dither=0))
        else:
            if self._encoder is None:
                self._encoder = self._start_mp4(frame.shape)
            self._encoder.send(np.ascontiguousarray(frame))
        self.n_frames += 1

    def _start_mp4(self, shape: tuple[int, ...]) -> Any:
        imageio_ffmpeg = require("imageio_ffmpeg", "video", _PURPOSE)
        height, width = shape[:2]
        encoder = imageio_ffmpeg.write_frames(
            self._temporary,
            (width, height),
            fps=self.fps,
            codec="libx264",
            pix_fmt_out="yuv420p",
            macro_block_size=2,  # frames of render_rgb are multiples of 16 already; odd sizes are refused
            ffmpeg_log_level="error",
            output_params=["-movflags", "+faststart"],
        )
        encoder.send(None)  # start the generator
        return encoder

    def _finish(self) -> None:
        if self.n_frames == 0:
            raise ValueError(f"no frames were written to {self.path}")
        if self.suffix == ".gif":
            first, *rest = self._gif_frames
            first.save(
                self._temporary,
                format="GIF",
                save_all=True,
                append_images=rest,
                duration=round(1000.0 / self.fps),
                loop=0,
                optimize=False,
            )
            self._gif_frames = []
        else:
            self._encoder.close()
            self._encoder = None

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        atomic, self._atomic = self._atomic, None
        try:
            if kind is None:
                self._finish()
        except BaseException as failure:
            kind, error, traceback = type(failure), failure, failure.__traceback__
            raise
        finally:
            if self._encoder is not None:  # an exception mid-video: stop ffmpeg
                with contextlib.suppress(Exception):
                    self._encoder.close()
                self._encoder = None
            self._gif_frames = []
            self._temporary = None
            if atomic is not None:  # replaces the destination on success, removes the temporary file otherwise
                atomic.__exit__(kind, error, traceback)


def write_video(frames: Any, path: str, fps: float = 4.0) -> int:
    """Write an iterable of frames to ``path`` (.mp4 or .gif); returns the number of frames.

    Args:
        frames: uint8 H x W x 3 arrays of one size, e.g. ``env.render()`` of each step.
        path: The file to write (atomically).
        fps: Frames per second.
    """
    with VideoWriter(path, fps=fps) as video:
        for frame in frames:
            video.append(frame)
    return video.n_frames


def snapshot_frame(snapshot: dict, config: EnvConfig) -> np.ndarray:
    """The ``rgb_array`` frame of a snapshot, exactly as ``env.render()`` draws it for ``config``."""
    return cast(
        np.ndarray, render_snapshot("rgb_array", snapshot, config.max_tickets, config.work_mean)
    )  # rgb_array: a frame


def write_recording_video(trace_path: str | os.PathLike[str], video_path: str, fps: float = 4.0) -> int:
    """A video of a recorded trace (any API): one frame per step; returns the number of frames.

    Raises:
        RecordingError: the trace is truncated or corrupted (no video is left behind).
        ValueError, FileNotFoundError, MissingExtraError: as :func:`check_video_path`.
    """
    header = read_header(trace_path)
    check_video_path(video_path, n_frames=header.steps)
    with VideoWriter(video_path, fps=fps) as video:
        for _, record in iter_steps(trace_path):
            video.append(snapshot_frame(record["snapshot"], header.config))
    return video.n_frames


def rollout_video(
    api: str,
    config: EnvConfig,
    policy: str,
    seed: int,
    steps: int,
    video_path: str,
    fps: float = 4.0,
    out: str | os.PathLike[str] | None = None,
    on_step: Any = None,
) -> RolloutResult:
    """:func:`~ticket_triage_marl.recordings.run_rollout` and a video of it (``ticket-triage rollout --video``).

    The rollout writes its trace (to ``out``, or to a temporary file next to
    the video that is removed afterwards), and the video is drawn from the
    trace's snapshots. The video path is checked before the rollout starts.

    Args:
        api, config, policy, seed, steps, on_step: as for ``run_rollout``.
        video_path: the .mp4 or .gif to write.
        fps: frames (steps) per second.
        out: also keep the trace there.
    """
    check_video_path(video_path, n_frames=steps)
    if out is not None:
        result = run_rollout(api, config, policy, seed, steps, out=out, on_step=on_step)
        write_recording_video(out, video_path, fps=fps)
        return result
    directory = os.path.dirname(os.path.abspath(video_path))
    handle, trace_path = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(video_path)}.", suffix=".jsonl")
    os.close(handle)
    try:
        result = run_rollout(api, config, policy, seed, steps, out=trace_path, on_step=on_step)
        write_recording_video(trace_path, video_path, fps=fps)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(trace_path)
    return RolloutResult(result.steps, result.episodes, result.team_return, result.snapshot, None)


# Deprecated names (kept for one release, with a warning).
__getattr__ = renamed_names(__name__, globals(), {"write_trace_video": "write_recording_video"})
