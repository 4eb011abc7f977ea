"""Videos: ``rollout --video`` (.mp4, .gif), Gymnasium's RecordVideo, atomic writes, the missing-extra hint."""

import os
import re
import subprocess
import sys

import numpy as np
import pytest

import ticket_triage_marl as ttm
from ticket_triage_marl.cli import main
from ticket_triage_marl.recordings import iter_steps
from ticket_triage_marl.render import frame_shape
from ticket_triage_marl.video import GIF_MAX_FRAMES, VideoWriter, snapshot_frame, write_recording_video

imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
Image = pytest.importorskip("PIL.Image")


def _mp4_frames(path, size: tuple[int, int]) -> tuple[float, np.ndarray]:
    """The frames per second and the decoded frames (n, height, width, 3) of an mp4 of frames of ``size``."""
    height, width = size
    decoded = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt",
         "rgb24", "-"],
        capture_output=True,
        check=True,
    )  # fmt: skip
    probe = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-i", str(path)], capture_output=True, text=True)
    fps = float(re.search(r"([\d.]+) fps", probe.stderr).group(1))
    return fps, np.frombuffer(decoded.stdout, dtype=np.uint8).reshape(-1, height, width, 3)


def test_rollout_video_mp4_has_one_frame_per_step_at_the_frame_size(tmp_path, capsys):
    video, trace = tmp_path / "episode.mp4", tmp_path / "trace.jsonl"
    assert main(["rollout", "--steps", "30", "--out", str(trace), "--video", str(video), "--fps", "10"]) == 0
    assert f"video written to {video}" in capsys.readouterr().out
    height, width, _ = frame_shape(ttm.EnvConfig().n_engineers)
    fps, frames = _mp4_frames(video, (height, width))
    assert fps == 10 and len(frames) == 30
    # lossy, but close to the frame the env renders for the same snapshot
    _, last = list(iter_steps(trace))[-1]
    expected = snapshot_frame(last["snapshot"], ttm.EnvConfig())
    assert np.abs(frames[-1].astype(int) - expected.astype(int)).mean() < 6
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".")]  # no temporary files left


def test_rollout_video_gif_of_the_aec_api_without_a_trace_file(tmp_path):
    video = tmp_path / "episode.gif"
    assert main(["rollout", "--api", "aec", "--policy", "random", "--steps", "12", "--video", str(video)]) == 0
    with Image.open(video) as gif:
        assert gif.n_frames == 12 and gif.size == (frame_shape(3)[1], frame_shape(3)[0])
    assert sorted(os.listdir(tmp_path)) == ["episode.gif"]  # the temporary trace is gone


def test_a_trace_video_shows_exactly_the_envs_rendered_frames(tmp_path):
    trace, video = tmp_path / "trace.jsonl", tmp_path / "trace.gif"
    assert main(["rollout", "--api", "parallel", "--steps", "5", "--out", str(trace)]) == 0
    assert write_recording_video(trace, str(video)) == 5
    env = ttm.parallel_env(render_mode="rgb_array")
    env.reset(seed=7)
    policy = ttm.baselines.make_policy("edf", seed=7)
    observations = None
    with Image.open(video) as gif:
        for index in range(5):
            actions = ttm.baselines.agent_actions_from(policy, env, observations)
            observations, *_ = env.step(actions)
            gif.seek(index)
            shown = np.asarray(gif.convert("RGB"))
            assert np.array_equal(shown, env.render()), index  # 128 colours hold every colour of a frame


def test_bad_video_paths_are_refused_before_the_rollout(tmp_path, capsys):
    assert main(["rollout", "--video", str(tmp_path / "episode.avi")]) == 2
    assert "must end in .mp4 or .gif" in capsys.readouterr().err
    assert main(["rollout", "--steps", str(GIF_MAX_FRAMES + 1), "--video", str(tmp_path / "long.gif")]) == 2
    assert "write an .mp4 instead" in capsys.readouterr().err
    assert main(["rollout", "--video", str(tmp_path / "missing" / "episode.mp4")]) == 2
    assert "output directory does not exist" in capsys.readouterr().err
    assert os.listdir(tmp_path) == []


def test_without_the_video_extra_rollout_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)
    assert main(["rollout", "--video", str(tmp_path / "episode.mp4")]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "pip install 'ticket_triage_marl[video]'" in error
    assert os.listdir(tmp_path) == []


def test_a_failed_video_leaves_no_file(tmp_path):
    path = tmp_path / "broken.mp4"
    frame = np.zeros(frame_shape(3), dtype=np.uint8)
    with pytest.raises(ValueError, match="the first was"), VideoWriter(str(path)) as video:
        video.append(frame)
        video.append(frame[:-16])  # another size
    assert os.listdir(tmp_path) == []


def test_gymnasium_record_video_records_the_coordinator(tmp_path):
    pytest.importorskip("moviepy")
    from gymnasium.wrappers import RecordVideo

    env = RecordVideo(
        ttm.TicketTriageEnv(render_mode="rgb_array", horizon=16),
        str(tmp_path / "videos"),
        episode_trigger=lambda episode: True,
        disable_logger=True,
    )
    _, info = env.reset(seed=0)
    truncated = False
    rng = np.random.default_rng(0)
    while not truncated:
        _, _, _, truncated, info = env.step(int(rng.choice(np.flatnonzero(info["action_mask"]))))
    env.close()
    (video,) = [name for name in os.listdir(tmp_path / "videos") if name.endswith(".mp4")]
    fps, frames = _mp4_frames(tmp_path / "videos" / video, frame_shape(3)[:2])
    assert fps == env.metadata["render_fps"]
    assert len(frames) == 17  # the reset's frame and one per step


def test_watch_episode_example_records_the_episode_and_saves_a_frame(tmp_path):
    pytest.importorskip("moviepy")
    script = os.path.join(os.path.dirname(__file__), "..", "examples", "watch_episode.py")
    frame = tmp_path / "frame.png"
    result = subprocess.run(
        [
            sys.executable,
            script,
            "--video-folder",
            str(tmp_path / "videos"),
            "--frame-step",
            "5",
            "--frame",
            str(frame),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "200 steps" in result.stdout
    assert os.listdir(tmp_path / "videos") == ["rl-video-episode-0.mp4"]
    with Image.open(frame) as image:
        assert image.size == (frame_shape(3)[1], frame_shape(3)[0])
