"""The sampling Pipeline: prompts + skeleton frames -> videos, with weights placed on the
device(s) once and programs compiled once per shape.

A call runs three compiled programs chained on the device (no host round trip between them):
``prepare`` (text encoder, pose encoder, initial noise), the step loop (``run_steps``: the whole
loop in one call, or one call per step when a progress callback is given: the SAME program, its
step range is traced) and ``decode`` (the VAE in frame chunks, to uint8). Prompts, negative
prompt, seeds, guidance scale and eta are traced inputs, so changing them compiles nothing; no
program calls back to the host, so all of them go to JAX's persistent compilation cache.

With a mesh (axes ``data``, ``fsdp``; :func:`fyp_jax.sharding.make_mesh`) the prompt batch is
split over every device (padded to a multiple of the device count, the padding trimmed) and the
params are placed by the sharding rules, as the trainer places its state. With guidance and
replicated params (``fsdp`` 1) the split is of the guided batch, each prompt's unconditional and
conditional halves (:func:`~fyp_jax.pipeline.sampling_loop.guided_prediction`): one prompt on two
devices (or a CPU's two cores, :func:`fyp_jax.sharding.use_every_cpu_core`) runs one half on each,
so the prompts are padded only to a multiple of half the device count. With several processes
(``jax.distributed``, :func:`fyp_jax.train.distributed.initialize`) every process passes the same
arguments; :meth:`Pipeline.local_videos` returns the rows this process holds.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh

from fyp_jax import sharding
from fyp_jax.bundle import ModelBundle
from fyp_jax.errors import ConfigError
from fyp_jax.pipeline import programs
from fyp_jax.pipeline.editing import check_edit_start, check_keep, keep_mask
from fyp_jax.pipeline.regions import person_regions, person_skeletons
from fyp_jax.pipeline.sampling_loop import (
    check_eta,
    deep_feature_shape,
    run_steps_jit,
    stepwise,
    uses_guidance,
)
from fyp_jax.pipeline.windows import Windows
from fyp_jax.pose import render_pose
from fyp_jax.schedulers import SCHEDULERS, make_scheduler
from fyp_jax.schedulers.spacing import SPACINGS
from fyp_jax.tokenizer import tokenize


def check_size(bundle: ModelBundle, height: int, width: int) -> None:
    """ConfigError unless ``bundle`` can make ``height x width`` videos."""
    m = bundle.size_multiple
    for name, value in (("height", height), ("width", width)):
        if not isinstance(value, (int, np.integer)) or value <= 0 or value % m:
            raise ConfigError(f"{name} {value} is not a positive multiple of {m}, as this model "
                              f"needs (try {max(m, round(value / m) * m)})")


DEFAULT_WINDOW = 16  # frames, for a model that does not record its training clip length


@dataclasses.dataclass(frozen=True)
class SamplingOptions:
    """How to sample. Only ``num_steps``, ``scheduler``, ``timestep_spacing``, ``decode_chunk``
    and whether ``guidance_scale > 1`` select a compiled program; the rest are traced values.

    Prompt i of a call uses seed ``seed + i``; ``eta`` is DDIM's noise scale (0: deterministic).
    Long videos (:mod:`fyp_jax.pipeline.windows`): a video of more than ``window`` frames is
    denoised as windows of ``window`` frames overlapping by ``overlap``, their predictions fused
    with ``fusion`` weights, moved ``shift`` frames per step, every window anchored to the global
    frame 0 (``anchor``); these fields select the program only for such videos. ``window``
    None: the model's training clip length (``bundle.clip_frames``, else 16); ``overlap`` None:
    a quarter of the window. ``cache_interval`` n > 1: DeepCache, the whole UNet on every n-th
    step and only its shallow branch on the deep features kept from it between (not with
    windows).

    Editing (a ``source_video`` in the call; README, "Editing"): the source is DDIM-inverted
    under ``source_prompt`` (its caption; "": the empty prompt, as the original) through the
    lowest ``inversion_steps`` of the ``num_steps`` timesteps (None: all of them), and sampling
    runs the last ``inversion_steps`` steps from there under the prompt, with ``guidance_scale``;
    ``keep`` ("none" | "background" | "figure", :mod:`fyp_jax.pipeline.editing`) is the part of
    the source blended back after every step, the figure being the dilated skeleton;
    ``edit_start`` ("inversion" | "noise") is where the other cells start: the inversion, or
    the source noised afresh with the call's seed (SDEdit; with ``keep``, blended latent
    diffusion); ``keep_until`` is the share of the sampling steps through which ``keep`` is
    blended back (1: every step; less leaves the last steps free to draw the edited part into
    the kept one). All five are traced: changing them compiles nothing.
    """

    num_steps: int = 50
    guidance_scale: float = 12.5
    scheduler: str = "ddim"
    eta: float = 0.0
    seed: int = 0
    negative_prompt: str = ""
    decode_chunk: int = 8
    timestep_spacing: str | None = None  # leading | trailing | linspace; None: the scheduler's
    window: int | None = None
    overlap: int | None = None
    fusion: str = "pyramid"
    shift: int = 0
    anchor: bool = True
    cache_interval: int = 1  # DeepCache: the whole UNet every n-th step, its shallow branch between
    source_prompt: str = ""
    inversion_steps: int | None = None
    keep: str = "none"
    edit_start: str = "inversion"
    keep_until: float = 1.0

    def windows(self, clip_frames: int | None = None) -> Windows:
        """The window schedule, the defaults resolved for a model trained on clips of
        ``clip_frames`` frames."""
        size = self.window or clip_frames or DEFAULT_WINDOW
        overlap = size // 4 if self.overlap is None else self.overlap
        return Windows(size, overlap, self.fusion, self.shift, self.anchor)

    def make_scheduler(self, scheduler_config: dict) -> Any:
        """The sampler these options name, over the model's noise schedule."""
        if self.timestep_spacing is not None:
            scheduler_config = {**scheduler_config, "timestep_spacing": self.timestep_spacing}
        return make_scheduler(self.scheduler, scheduler_config)

    def check(self) -> None:
        """ConfigError for values no sampler can take."""
        if self.scheduler not in SCHEDULERS:
            raise ConfigError(f"unknown scheduler {self.scheduler!r}; known: "
                              f"{', '.join(SCHEDULERS)}")
        if self.num_steps < 1:
            raise ConfigError(f"num_steps must be at least 1, got {self.num_steps}")
        if not math.isfinite(self.guidance_scale) or self.guidance_scale < 0:
            raise ConfigError(f"guidance scale must be a finite number >= 0, got "
                              f"{self.guidance_scale}")
        if not math.isfinite(self.eta) or self.eta < 0:
            raise ConfigError(f"eta must be a finite number >= 0, got {self.eta}")
        if self.timestep_spacing not in (None, *SPACINGS):
            raise ConfigError(f"unknown timestep spacing {self.timestep_spacing!r}; known: "
                              f"{', '.join(SPACINGS)}")
        if self.decode_chunk < 1:
            raise ConfigError(f"decode_chunk must be at least 1, got {self.decode_chunk}")
        if self.cache_interval < 1:
            raise ConfigError(f"cache_interval must be at least 1, got {self.cache_interval}")
        if self.inversion_steps is not None and not 1 <= self.inversion_steps <= self.num_steps:
            raise ConfigError(f"inversion_steps must be between 1 and num_steps "
                              f"({self.num_steps}), got {self.inversion_steps}")
        check_keep(self.keep)
        check_edit_start(self.edit_start)
        if not 0 <= self.keep_until <= 1:
            raise ConfigError(f"keep_until is a share of the sampling steps, between 0 and 1; "
                              f"got {self.keep_until}")
        # Without a window, the model's default is unknown here: check against the smallest
        # window the overlap allows (Pipeline checks again against the model's).
        self.windows(clip_frames=max(self.overlap or 0, 0) + 1).check()


def padded_rows(prompts: int, devices: int, halves_split: bool) -> int:
    """The batch size a call runs: ``prompts`` padded to a multiple of the device count, or of
    half of it when each device computes its own rows of the guided batch (``halves_split``:
    then one prompt on two devices is one half on each, with no padding)."""
    multiple = max(devices // 2, 1) if halves_split else devices
    return -(-prompts // multiple) * multiple


class Pipeline:
    """Sampling with one bundle on one device or a mesh; build once, call many times.

    ``rules`` / ``min_shard_size``: parameter sharding as in the training config's ``mesh``
    (regex rules, first match wins; by default arrays of at least ``min_shard_size`` scalars are
    split over ``fsdp`` along their largest divisible axis, the rest replicated).
    """

    def __init__(self, bundle: ModelBundle, mesh: Mesh | None = None,
                 rules: Sequence[sharding.Rule] = (), min_shard_size: int = 2**14) -> None:
        self.bundle = bundle
        self.mesh = mesh
        if mesh is None:
            self._batch = None
            self._replicated = None
            self.num_shards = 1
            self.params = jax.device_put(bundle.params)
        else:
            self._batch = sharding.batch_sharding(mesh)
            self._replicated = sharding.replicated(mesh)
            self.num_shards = mesh.size
            self.params = sharding.put(
                bundle.params, sharding.tree_shardings(bundle.params, mesh, rules, min_shard_size))
        conditioning = ("text_encoder", "pose_encoder")
        self._conditioning_params = {k: v for k, v in self.params.items() if k in conditioning}

    def __call__(self, prompts: Sequence[str], skeleton: np.ndarray | None, *, frames: int,
                 height: int, width: int, options: SamplingOptions = SamplingOptions(),
                 progress: Callable[[int], None] | None = None,
                 source_video: np.ndarray | None = None, seeds: Sequence[int] | None = None,
                 negative_prompts: Sequence[str] | None = None,
                 source_prompts: Sequence[str] | None = None) -> np.ndarray:
        """Videos ``uint8 [len(prompts), frames, height, width, 3]`` (on every process).

        ``skeleton``: ``float32 [frames, height, width, 3]`` in [0, 1] (one pose for every
        prompt), ``[len(prompts), frames, height, width, 3]`` (one per prompt), or None to sample
        without pose guidance. ``progress(i)`` is called on the host after step i.
        ``source_video``: uint8 ``[frames, height, width, 3]`` (one for every prompt) or
        ``[len(prompts), frames, height, width, 3]`` (one per prompt, with a skeleton of each);
        sampling then starts from its DDIM inversion (no guidance, same pose) instead of noise,
        as the original's ``use_inv_latent`` (DDIM only): character replacement, style transfer,
        background change; ``options.source_prompt``, ``inversion_steps`` and ``keep`` say how.
        ``seeds`` / ``negative_prompts`` / ``source_prompts``: one per prompt, instead of
        ``options.seed + i``, ``options.negative_prompt`` and ``options.source_prompt`` (one
        source prompt per source video).
        """
        from fyp_jax.train.distributed import to_host

        video = self._sample(prompts, skeleton, frames=frames, height=height, width=width,
                             options=options, progress=progress, source_video=source_video,
                             seeds=seeds, negative_prompts=negative_prompts,
                             source_prompts=source_prompts)
        return np.asarray(to_host(video))[:len(prompts)]

    def people(self, prompt: str, person_prompts: Sequence[str], keypoints: np.ndarray, *,
               frames: int, height: int, width: int, options: SamplingOptions = SamplingOptions(),
               progress: Callable[[int], None] | None = None) -> np.ndarray:
        """One video ``uint8 [frames, height, width, 3]`` of several people: ``prompt`` for the
        whole scene, ``person_prompts`` one per person, each for its figure
        (:mod:`fyp_jax.pipeline.regions`); ``keypoints [frames, P, 17, 3]``, pixels of a
        ``height x width`` frame, people in the order of ``person_prompts``. Sampled with seed
        ``options.seed``; costs 1 + P rows of a batch."""
        from fyp_jax.train.distributed import to_host

        keypoints = np.asarray(keypoints, np.float32)
        if keypoints.ndim != 4 or keypoints.shape[0] != frames or keypoints.shape[2:] != (17, 3):
            raise ConfigError(f"keypoints of shape {keypoints.shape}: expected "
                              f"({frames}, people, 17, 3)")
        if len(person_prompts) != keypoints.shape[1]:
            raise ConfigError(f"{len(person_prompts)} person prompts for {keypoints.shape[1]} "
                              "people: give one per person")
        check_size(self.bundle, height, width)
        people = person_skeletons(keypoints, height, width)
        whole = np.stack([render_pose(k, height, width) for k in keypoints]) / np.float32(255)
        prompts = [prompt, *person_prompts]
        video = self._sample(prompts, np.concatenate([whole[None], people]), frames=frames,
                             height=height, width=width, options=options, progress=progress,
                             seeds=[options.seed] * len(prompts),
                             regions=person_regions(people, self.bundle.vae_factor))
        return np.asarray(to_host(video))[0]

    def local_videos(self, prompts: Sequence[str], skeleton: np.ndarray | None,
                     **kwargs: Any) -> dict[int, np.ndarray]:
        """As ``__call__`` (same arguments), but only the videos held by this process:
        ``{prompt index: video}``, each prompt on exactly one process; no data moves between
        processes."""
        video = self._sample(prompts, skeleton, **kwargs)
        rows = {}
        for shard in video.addressable_shards:
            first = shard.index[0].start or 0
            for j, row in enumerate(np.asarray(shard.data)):
                if first + j < len(prompts):
                    rows[first + j] = row
        return dict(sorted(rows.items()))

    def _put(self, value: Any, where: jax.sharding.Sharding | None) -> Any:
        """``value`` on the device (no mesh) or placed with ``where``."""
        if self.mesh is None:
            return jax.device_put(value)
        return sharding.put(value, where)

    def _guided_split(self, cfg: bool) -> jax.sharding.NamedSharding | None:
        """The guided batch's sharding when each device computes its own rows of it: guidance
        on, replicated params, an even number of devices."""
        if self.mesh is None or not cfg or self.num_shards % 2 or self.mesh.shape["fsdp"] > 1:
            return None
        return self._batch

    def _rows(self, b: int, split: jax.sharding.NamedSharding | None
              ) -> tuple[int, jax.sharding.Sharding | None]:
        """(the padded batch size, the sharding of arrays with a row axis)."""
        if self.mesh is None:
            return b, None
        rows = padded_rows(b, self.num_shards, split is not None and jax.process_count() == 1)
        return rows, self._batch if rows % self.num_shards == 0 else self._replicated

    def _sample(self, prompts: Sequence[str], skeleton: np.ndarray | None, *, frames: int,
                height: int, width: int, options: SamplingOptions = SamplingOptions(),
                progress: Callable[[int], None] | None = None,
                source_video: np.ndarray | None = None, seeds: Sequence[int] | None = None,
                negative_prompts: Sequence[str] | None = None,
                source_prompts: Sequence[str] | None = None,
                regions: np.ndarray | None = None) -> jax.Array:
        bundle = self.bundle
        scheduler = self._check(prompts, skeleton, frames, height, width, options, source_video)
        b = len(prompts)
        for name, given in (("seeds", seeds), ("negative_prompts", negative_prompts),
                            ("source_prompts", source_prompts)):
            if given is not None and len(given) != b:
                raise ConfigError(f"{len(given)} {name} for {b} prompts")
        if source_prompts is not None and np.ndim(source_video) != 5:
            raise ConfigError("source_prompts go with one source video per prompt; for one "
                              "source video use options.source_prompt")
        cfg = uses_guidance(options.guidance_scale)
        split = self._guided_split(cfg)
        rows, per_row = self._rows(b, split)
        pad = rows - b
        seeds = [options.seed + i for i in range(b)] if seeds is None else list(seeds)
        negative = list(negative_prompts or [options.negative_prompt] * b)
        text_encoder = bundle.modules["text_encoder"]
        max_len = text_encoder.max_position_embeddings
        ids_cond = self._put(tokenize(bundle.tokenizer, list(prompts) + [""] * pad, max_len),
                             per_row)
        ids_uncond = self._put(tokenize(bundle.tokenizer, negative + [""] * pad, max_len), per_row)
        seeds = self._put(np.asarray(seeds + [0] * pad, np.int32), per_row)
        pose = skeleton
        if skeleton is not None:
            skeleton = np.asarray(skeleton, np.float32)
            if skeleton.ndim == 4:
                skeleton = self._put(skeleton[None], self._replicated)
            else:
                skeleton = self._put(np.concatenate([skeleton] + [skeleton[-1:]] * (rows - b)),
                                     per_row)
        factor = bundle.vae_factor
        unet = bundle.modules["unet"]
        latent_shape = (frames, height // factor, width // factor, unet.in_channels)
        windows = options.windows(bundle.clip_frames)
        text_uncond, text_cond, feats, state = programs.prepare(
            self._conditioning_params, ids_uncond, ids_cond, skeleton, seeds,
            text_encoder=text_encoder, pose_encoder=bundle.modules.get("pose_encoder"),
            scheduler=scheduler, latent_shape=latent_shape, batch=per_row,
            pose_chunk=windows.size if frames > windows.size else None)
        first, source = 0, None
        if source_video is not None:
            first = options.num_steps - (options.inversion_steps or options.num_steps)
            state, source = self._invert(source_video, source_prompts, pose, feats, state[0],
                                         rows, per_row, options, scheduler)
        if regions is not None:
            pad_rows = np.zeros((rows - b, *regions.shape[1:]), np.float32)
            regions = self._put(np.concatenate([regions, pad_rows]), per_row)
        if options.cache_interval > 1:
            deep = deep_feature_shape(unet, self.params["unet"], *jax.tree.map(
                lambda a: jax.ShapeDtypeStruct(a.shape, a.dtype), (state[0], text_cond, feats)),
                cfg)
            state = (*state, self._put(np.zeros(deep.shape, deep.dtype), split or per_row))
        scalars = [self._put(np.float32(options.guidance_scale), self._replicated),
                   self._put(np.float32(options.eta), self._replicated),
                   self._put(np.int32(options.seed), self._replicated)]
        static = dict(scheduler=scheduler, num_steps=options.num_steps, cfg=cfg,
                      windows=windows if frames > windows.size else None,
                      cache_interval=options.cache_interval, split=split)

        def advance(start: int, stop: int, state: Any) -> Any:
            return run_steps_jit(unet, self.params["unet"], state, text_uncond, text_cond, feats,
                                 self._put(np.int32(start), self._replicated),
                                 self._put(np.int32(stop), self._replicated), *scalars, source,
                                 regions, **static)

        latents = stepwise(advance, state, options.num_steps, progress, first)[0]
        return programs.decode(self.params["vae"], latents, vae=bundle.modules["vae"],
                               chunk=options.decode_chunk, batch=per_row)

    def _invert(self, source_video: np.ndarray, source_prompts: Sequence[str] | None,
                skeleton: np.ndarray | None, feats: Any, noise: jax.Array, rows: int,
                per_row: jax.sharding.Sharding | None, options: SamplingOptions,
                scheduler: Any) -> tuple[Any, tuple[jax.Array, jax.Array, jax.Array]]:
        """An edit's start: (the sampling state at its first step, (the source's inversion
        trajectory, the kept cells' mask, the first step not blended)) for the ``run_steps``
        loop; ``noise``: the call's initial noise (``options.edit_start="noise"``)."""
        bundle = self.bundle
        video = np.asarray(source_video, np.uint8)
        each = video.ndim == 5  # one source per prompt
        video = video if each else video[None]
        texts = list(source_prompts or [options.source_prompt] * len(video))
        pad = rows - len(video) if each else 0
        video = np.concatenate([video] + [video[-1:]] * pad)
        factor = bundle.vae_factor
        mask = keep_mask(skeleton, options.keep, video.shape[1],
                         (video.shape[2] // factor, video.shape[3] // factor), factor)
        mask = np.concatenate([mask] + [mask[-1:]] * (rows - len(mask) if len(mask) > 1 else 0))
        text_encoder = bundle.modules["text_encoder"]
        ids = tokenize(bundle.tokenizer, texts + [""] * pad, text_encoder.max_position_embeddings)
        inverted = options.inversion_steps or options.num_steps
        mask = self._put(mask, per_row if len(mask) > 1 else self._replicated)
        state, trajectory = programs.invert(
            self.params, self._put(video, per_row if each else self._replicated),
            self._put(ids, per_row if each else self._replicated), feats,
            self._put(np.int32(inverted), self._replicated), noise, mask,
            self._put(np.float32(options.edit_start == "noise"), self._replicated),
            vae=bundle.modules["vae"],
            text_encoder=text_encoder, unet=bundle.modules["unet"], scheduler=scheduler,
            num_steps=options.num_steps, chunk=options.decode_chunk, rows=rows,
            batch=per_row)
        until = options.num_steps - inverted + round(options.keep_until * inverted)
        return state, (trajectory, mask, self._put(np.int32(until), self._replicated))

    def _check(self, prompts: Sequence[str], skeleton: np.ndarray | None, frames: int,
               height: int, width: int, options: SamplingOptions,
               source_video: np.ndarray | None) -> Any:
        """Every user error, before any work; returns the scheduler."""
        if isinstance(prompts, str) or not prompts:
            raise ConfigError("no prompt given: pass a list of at least one prompt")
        if not all(isinstance(p, str) and p.strip() for p in prompts):
            raise ConfigError("every prompt must be non-empty text")
        if frames < 1:
            raise ConfigError(f"frames must be at least 1, got {frames}")
        check_size(self.bundle, height, width)
        options.check()
        windows = options.windows(self.bundle.clip_frames)
        windows.check()
        if options.cache_interval > 1 and frames > windows.size:
            raise ConfigError("DeepCache (cache_interval > 1) does not combine with windowed "
                              "long videos yet; use one or the other")
        scheduler = options.make_scheduler(self.bundle.scheduler_config)
        check_eta(scheduler, options.eta, options.scheduler)
        video_shape = (frames, height, width, 3)
        if skeleton is not None:
            if not self.bundle.has_pose_encoder:
                raise ConfigError("this model has no pose encoder; it cannot follow a pose")
            shape = tuple(np.shape(skeleton))
            if shape not in (video_shape, (len(prompts), *video_shape)):
                raise ConfigError(f"skeleton of shape {shape} for {len(prompts)} prompt(s) of "
                                  f"{frames} frames at {height}x{width}: expected {video_shape} "
                                  f"or {(len(prompts), *video_shape)}")
        if source_video is not None:
            if not hasattr(scheduler, "invert_step"):
                raise ConfigError("starting from a source video needs the ddim scheduler "
                                  "(DDIM inversion)")
            shape = tuple(np.shape(source_video))
            if shape not in (video_shape, (len(prompts), *video_shape)):
                raise ConfigError(f"source video of shape {shape} for {len(prompts)} prompt(s): "
                                  f"expected {video_shape} or {(len(prompts), *video_shape)}")
            if len(shape) == 5 and skeleton is not None and np.ndim(skeleton) != 5:
                raise ConfigError("one source video per prompt needs one skeleton per prompt "
                                  f"({(len(prompts), *video_shape)})")
            if options.keep != "none" and skeleton is None:
                raise ConfigError(f"keep={options.keep!r} takes the figure from the skeleton: "
                                  "give a pose (or keep='none')")
        elif (options.source_prompt, options.inversion_steps, options.keep,
              options.edit_start, options.keep_until) != ("", None, "none", "inversion", 1.0):
            raise ConfigError("source_prompt, inversion_steps, keep, edit_start and keep_until "
                              "apply to an edit: give a source video")
        return scheduler


def generate(bundle: ModelBundle, prompts: Sequence[str], skeleton: np.ndarray | None, *,
             frames: int, height: int, width: int, options: SamplingOptions = SamplingOptions(),
             progress: Callable[[int], None] | None = None,
             source_video: np.ndarray | None = None) -> np.ndarray:
    """One call of a one-device :class:`Pipeline` (weights placed for this call only; build a
    Pipeline to serve many calls)."""
    return Pipeline(bundle)(prompts, skeleton, frames=frames, height=height, width=width,
                            options=options, progress=progress, source_video=source_video)
