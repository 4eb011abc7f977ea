"""Watch a coordinator episode: record it with Gymnasium's RecordVideo and save one frame as a PNG.

    python examples/watch_episode.py [--policy edf] [--seed 7] [--video-folder videos] [--frame-step 120 --frame frame.png]

The policy here is a heuristic baseline; to watch a learned one, replace
``choose`` with the model (e.g. SB3's ``model.predict(observation,
action_masks=env.action_masks())[0]``). The video needs the ``video`` extra
(``pip install 'ticket_triage_marl[video]'``: moviepy for RecordVideo); the
frame PNG needs Pillow, which the ``video`` and ``plot`` extras install.
"""

from __future__ import annotations

import argparse

import ticket_triage_marl as ttm
from ticket_triage_marl.baselines import POLICIES, coordinator_action_from, make_policy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policy", choices=POLICIES, default="edf")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--video-folder", help="record the episode as an .mp4 in this folder (RecordVideo)")
    parser.add_argument("--frame", help="save the frame after --frame-step steps as this PNG")
    parser.add_argument("--frame-step", type=int, default=120)
    args = parser.parse_args()

    env = ttm.TicketTriageEnv(render_mode="rgb_array")
    if args.video_folder:
        from gymnasium.wrappers import RecordVideo

        env = RecordVideo(env, args.video_folder, episode_trigger=lambda episode: True, disable_logger=True)
    policy = make_policy(args.policy, seed=args.seed)

    def choose() -> int:
        return coordinator_action_from(policy, env.unwrapped)

    env.reset(seed=args.seed)
    steps, truncated = 0, False
    while not truncated:
        _, _, _, truncated, info = env.step(choose())
        steps += 1
        if args.frame and steps == args.frame_step:
            from PIL import Image

            Image.fromarray(env.render()).save(args.frame, optimize=True)
            print(f"frame after step {steps} written to {args.frame}")
    env.close()
    print(
        f"{steps} steps, resolved {info['total_resolved']}, breaches {info['total_breaches']} "
        f"(policy {args.policy}, seed {args.seed})" + (f"; video in {args.video_folder}/" if args.video_folder else "")
    )


if __name__ == "__main__":
    main()
