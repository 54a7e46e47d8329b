"""app.py at the original's settings, for a GPU: SD 1.4 + FollowYourPose checkpoint (converted at
start, or a bundle from fyp-convert via --model), 512x512, 24 frames, DDIM 50, guidance 12.5,
every 5th frame of the pose video, bfloat16."""

from configs.app import get_config as _default


def get_config():
    c = _default()
    c.model = "checkpoints/stable-diffusion-v1-4"
    c.fyp_checkpoint = "checkpoints/followyourpose_checkpoint-1000"
    c.dtype = "bfloat16"
    c.examples = ("assets/example_pose.mp4", "assets/poseworld_pose.gif")
    d = c.defaults
    d.prompt = "a figure dancing on the beach"
    d.frames = 24
    d.stride = 5
    d.size = "512x512"
    d.steps = 50
    d.guidance = 12.5
    return c
