"""app.py (the web demo): model, address, the page's defaults and the serving limits.

Every field can be set as --config.<field>=...; --model, --host and --port have flags of their own.
For the converted SD 1.4 weights on a GPU, configs/app_sd14.py holds the original's settings.
"""

import ml_collections


def get_config() -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    c.model = "assets/poseworld"     # bundle folder | diffusers SD folder (converted at start)
    c.fyp_checkpoint = ""            # with an SD folder: FollowYourPose checkpoint (folder or file)
    c.pose_encoder = ""              # with an SD folder: pose_encoder.pth
    c.dtype = "float32"              # compute dtype: float32 | bfloat16
    c.host = "127.0.0.1"             # 0.0.0.0 serves the local network: only if you mean it
    c.port = 7860
    # Pose examples offered in the page (paths relative to the repository).
    c.examples = ("assets/poseworld_pose.gif", "assets/example_pose.mp4")

    # What the page shows first; an API call that leaves a parameter out gets these.
    d = c.defaults = ml_collections.ConfigDict()
    d.prompt = "a red figure waving on a beach background"
    d.negative_prompt = ""
    d.frames = 8
    d.stride = 1                     # every frame of the pose video (the original: 5)
    d.start = 0
    d.size = "64x64"                 # HEIGHTxWIDTH, one of limits.sizes
    d.steps = 20                     # as infer.py (README, "Fewer steps")
    d.guidance = 7.5
    d.seed = 0
    d.scheduler = "ddim"
    c.fps = 8

    # Serving limits: what one request may ask for, and how many wait.
    lim = c.limits = ml_collections.ConfigDict()
    lim.max_frames = 32
    lim.max_stride = 10
    lim.max_start = 300
    lim.max_steps = 100
    lim.max_guidance = 30.0
    lim.sizes = ("64x64", "128x128", "256x256", "512x512")   # those the model cannot take are hidden
    lim.max_upload_mb = 50
    lim.concurrency_per_device = 1   # generations running at once on each accelerator (or the CPU)
    lim.max_queue = 8                # requests waiting beyond that; more are told the demo is busy
    lim.keep_outputs_s = 900         # generated files older than this are deleted
    return c
