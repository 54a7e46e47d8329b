"""infer.py defaults (every field can be set as --config.<field>=... or by its own flag)."""

from pathlib import Path

import ml_collections

ASSETS = Path(__file__).resolve().parents[1] / "assets"
EXAMPLE_POSE = str(ASSETS / "poseworld_pose.gif")


def get_config() -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    c.model = str(ASSETS / "poseworld")     # bundle folder | diffusers SD folder | random-tiny
    c.fyp_checkpoint = ""            # with an SD folder: FollowYourPose checkpoint (folder or file)
    c.pose_encoder = ""              # with an SD folder: pose_encoder.pth
    c.pose = EXAMPLE_POSE            # with a source_video: the source's own pose instead
    c.prompts = ["a red figure waving on a beach background"]
    c.negative_prompt = ""
    c.source_video = ""              # start from this video's DDIM inversion (use_inv_latent)
    # Editing a source video (README, "Editing"): its pose is --pose, else its own skeleton.
    c.source_prompt = ""             # the source's caption: the inversion's prompt ("": empty)
    c.inversion_steps = ml_collections.config_dict.placeholder(int)  # None: every step
    c.keep = "none"                  # none | background | figure: blended back from the source
    c.edit_start = "inversion"       # inversion | noise: where the cells not kept start (SDEdit)
    c.keep_until = 1.0               # share of the steps that blend `keep` back (1: all)
    # Several people (README, "Multiple characters"): one prompt per person of a keypoint --pose
    # (a keypoint file or a video of people), composed by region; person_prompts () splits the
    # prompt's figures (PoseWorld captions: "a red figure and a blue figure ...").
    c.per_person = False
    c.person_prompts = ()
    c.frames = 8                     # 0: every frame of the pose video at the stride
    # Videos longer than `window` frames: overlapping windows fused per step (README, "Long
    # videos"); window None: the model's training clip length, overlap None: window // 4.
    c.window = ml_collections.config_dict.placeholder(int)
    c.overlap = ml_collections.config_dict.placeholder(int)
    c.fusion = "pyramid"             # flat | pyramid: weights of overlapping predictions
    c.shift = 0                      # frames the windows move at every step
    c.stride = ml_collections.config_dict.placeholder(int)  # None: from the pose video's fps
    c.extract = True                 # a --pose video of a person: extract its skeleton (cached)
    c.start = 0
    c.height = 64
    c.width = 64
    c.steps = 20                     # DDIM: within DDIM-50's intervals (README, "Fewer steps")
    c.guidance = 7.5
    c.scheduler = "ddim"
    c.eta = 0.0
    c.seed = 0
    c.out = ""                       # "": a new run folder out/<date-time>
    c.fps = 8
    c.decode_chunk = 8
    c.cache_interval = 1             # DeepCache: the whole UNet every n-th step (1: every step)
    c.timestep_spacing = ""          # leading | trailing | linspace ("": the scheduler's own)
    c.prompts_file = ""              # JSON lines of jobs (see README, "Batch jobs")
    c.batch_size = 8                 # prompts per batch with prompts_file, split over the devices
    c.mesh = ml_collections.ConfigDict(dict(data=-1, fsdp=1))  # with several devices
    c.dtype = "float32"              # compute dtype: float32 | bfloat16
    return c
