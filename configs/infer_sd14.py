"""infer.py at the original's settings: SD 1.4 + FollowYourPose checkpoint, 512², DDIM 50, g 12.5,
every 5th frame of the pose video."""

from configs.infer_default import get_config as _default


def get_config():
    c = _default()
    c.model = "checkpoints/stable-diffusion-v1-4"
    c.fyp_checkpoint = "checkpoints/followyourpose_checkpoint-1000"
    c.pose = "assets/example_pose.mp4"
    c.prompts = ["a figure dancing on the beach"]
    c.stride = 5
    c.guidance = 12.5
    c.frames = 24
    c.height = 512
    c.width = 512
    c.steps = 50
    c.dtype = "bfloat16"
    return c
