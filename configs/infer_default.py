"""infer.py defaults (every field can be set as --config.<field>=... or by its own flag)."""

import ml_collections


def get_config() -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    c.model = "random-tiny"          # bundle folder | diffusers SD folder | random-tiny
    c.fyp_checkpoint = ""            # with an SD folder: FollowYourPose checkpoint (folder or file)
    c.pose_encoder = ""              # with an SD folder: pose_encoder.pth
    c.pose = "assets/example_pose.mp4"
    c.prompts = ["a figure dancing on a blue background"]
    c.negative_prompt = ""
    c.source_video = ""              # start from this video's DDIM inversion (use_inv_latent)
    c.frames = 8
    c.stride = 5                     # every 5th frame of the pose video, as the original
    c.start = 0
    c.height = 64
    c.width = 64
    c.steps = 10
    c.guidance = 12.5
    c.scheduler = "ddim"
    c.eta = 0.0
    c.seed = 0
    c.out = "out"
    c.fps = 8
    c.decode_chunk = 8
    c.stepped = False                # a Python loop of jitted steps (debugging)
    c.dtype = "float32"              # compute dtype: float32 | bfloat16
    return c
