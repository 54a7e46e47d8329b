"""The original FollowYourPose's YAML configs (`configs/pose_sample.yaml` for txt2video.py,
`configs/pose_train.yaml` for train_followyourpose.py) read onto our config fields.

`map_original_config(path, kind)` returns the overrides (our dotted field -> value) and, for
every field of the YAML it does not carry over, why: a field without an equivalent, a value we
do not support (`use_inv_latent: True` without a video to invert, `use_8bit_adam: True`), or one
that had no effect in the original either (`dataset_set`, `enable_xformers_...`). Nothing is
dropped silently: unknown fields are named too. `apply` sets the overrides on a config except
the fields given on the command line (`--config.a.b=...`), which win.

Mapped beyond the obvious renames:
- `resume_from_checkpoint` (accelerate's state folder) is the FollowYourPose checkpoint; the
  original reads only its UNet weights for sampling, as we do.
- The original's pose encoder weights come from the checkpoint's `skeleton_adapter.*`, which
  `load_state` loads over the hard-coded `./checkpoints/pose_encoder.pth`: nothing to map.
- txt2video takes every 5th frame of the skeleton video (hard-coded): `stride = 5`.
- `trainable_modules` (suffixes of PyTorch module names) becomes our regex over Flax paths;
  the published list is exactly `fyp_jax.train.stage2.ORIGINAL_TRAINABLE`.
- `train_batch_size` is per GPU in the original, `batch_size` is global here: it is mapped as
  is and named among the notes.
- `mixed_precision: 'no'` is float32 compute; 'fp16' / 'bf16' are bfloat16 compute.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from pathlib import Path
from typing import Any

import yaml

from fyp_jax.errors import ConfigError

KINDS = ("sample", "train")

# YAML 1.1 reads "3e-5" as text; OmegaConf, which the original uses, reads it as a number.
_FLOAT = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$")


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))

_PRECISION = {"no": "float32", "fp16": "bfloat16", "bf16": "bfloat16"}
_SCHEDULES = {"constant": "constant", "cosine": "cosine"}

# Fields that change nothing in the original's run of that kind, and why.
_NO_EFFECT = {
    "dataset_set": "only a tag passed through to the pipeline",
    "enable_xformers_memory_efficient_attention": "an attention kernel choice; ours are chosen "
    "by the backend",
}


@dataclasses.dataclass
class OriginalMapping:
    """`overrides`: our dotted field -> value; `unmapped`: the YAML's dotted field -> why it is
    not carried over; `notes`: mapped fields whose meaning differs a little."""

    overrides: dict[str, Any]
    unmapped: dict[str, str]
    notes: dict[str, str]

    def apply(self, cfg: Any, keep: set[str] = frozenset()) -> list[str]:
        """Set the overrides on `cfg` except those in `keep`; returns the fields set."""
        done = []
        for field, value in self.overrides.items():
            if field in keep:
                continue
            *parents, leaf = field.split(".")
            node = cfg
            for name in parents:
                node = node[name]
            if leaf not in node:
                raise ConfigError(f"the original's field maps to {field}, which this config "
                                  "does not have")
            node[leaf] = value
            done.append(field)
        return done

    def summary(self) -> str:
        """One line per reason (the unmapped fields it covers) and per note, for a warning."""
        by_reason: dict[str, list[str]] = {}
        for field, why in self.unmapped.items():
            by_reason.setdefault(why, []).append(field)
        lines = [f"not used: {', '.join(fields)}: {why}" for why, fields in by_reason.items()]
        return "\n".join(lines + [f"{k}: {note}" for k, note in self.notes.items()])


def command_line_fields(argv: list[str], flag: str = "config") -> set[str]:
    """The config fields given on the command line as `--config.a.b=value` / `--config.a.b v`."""
    fields = set()
    for arg in argv:
        match = re.match(rf"--{flag}\.([\w.]+)(=|$)", arg)
        if match:
            fields.add(match.group(1))
    return fields


def trainable_regex(modules: list[str]) -> str:
    """The original's `trainable_modules` (module names end with one of them) as our regex over
    '/'-joined Flax paths."""
    names = "|".join(re.escape(m).replace(r"\.", "/") for m in modules)
    return rf"(^|/)({names})(/|$)"


class _Reader:
    """Walks one YAML document, recording what each field became."""

    def __init__(self, document: dict):
        self.document = document
        self.mapping = OriginalMapping({}, {}, {})
        self._seen: set[str] = set()

    def get(self, field: str, default: Any = None) -> Any:
        node: Any = self.document
        for name in field.split("."):
            if not isinstance(node, dict) or name not in node:
                return default
            node = node[name]
        self._seen.add(field)
        return node

    def to(self, field: str, ours: str, convert=lambda v: v) -> None:
        value = self.get(field)
        if value is not None:
            self.mapping.overrides[ours] = convert(value)

    def unmapped(self, field: str, why: str) -> None:
        if self.get(field) is not None:
            self.mapping.unmapped[field] = why

    def choice(self, field: str, ours: str, table: dict[str, Any]) -> None:
        value = self.get(field)
        if value is None:
            return
        if str(value) in table:
            self.mapping.overrides[ours] = table[str(value)]
        else:
            self.mapping.unmapped[field] = f"{value!r} has no equivalent (known: {sorted(table)})"

    def only_default(self, field: str, default: Any, why: str) -> None:
        """A switch we support only at the original's default: other values are unmapped."""
        value = self.get(field)
        if value is not None and value != default:
            self.mapping.unmapped[field] = f"{value!r}: {why}"

    def finish(self) -> OriginalMapping:
        for field, why in _NO_EFFECT.items():
            for path in self._leaves():
                if path.rsplit(".", 1)[-1] == field and path not in self._seen:
                    self._seen.add(path)
                    self.mapping.unmapped[path] = f"no effect in the original either: {why}"
        for path in self._leaves():
            if path not in self._seen and not any(path.startswith(s + ".") for s in self._seen):
                self.mapping.unmapped[path] = "unknown field"
        return self.mapping

    def _leaves(self, node: Any = None, prefix: str = "") -> list[str]:
        node = self.document if node is None else node
        out = []
        for key, value in node.items():
            path = f"{prefix}{key}"
            out += self._leaves(value, path + ".") if isinstance(value, dict) else [path]
        return out


def _validation(r: _Reader, prefix: str, video: str | None) -> None:
    """validation_data -> our sampling fields under `prefix` ('' for infer, 'validation.')."""
    r.to("validation_data.prompts", f"{prefix}prompts", list)
    r.to("validation_data.video_length", f"{prefix}frames", int)
    r.to("validation_data.width", f"{prefix}width", int)
    r.to("validation_data.height", f"{prefix}height", int)
    r.to("validation_data.num_inference_steps", f"{prefix}steps", int)
    r.to("validation_data.guidance_scale", f"{prefix}guidance", float)
    inverted = r.get("validation_data.use_inv_latent", False)
    if inverted and video and not prefix:
        r.mapping.overrides["source_video"] = video
        r.unmapped("validation_data.num_inv_steps", "the inversion runs the sampling steps here")
    elif inverted:
        r.mapping.unmapped["validation_data.use_inv_latent"] = (
            "True needs the video to invert: pass it as --source_video" if not prefix else
            "validation videos start from noise here")
    else:
        r.unmapped("validation_data.num_inv_steps", "no effect without use_inv_latent")


def _sample(r: _Reader) -> None:
    r.to("pretrained_model_path", "model", str)
    r.to("resume_from_checkpoint", "fyp_checkpoint", str)
    r.to("output_dir", "out", str)
    r.to("skeleton_path", "pose", str)
    r.to("seed", "seed", int)
    r.choice("mixed_precision", "dtype", _PRECISION)
    r.mapping.overrides["stride"] = 5
    _validation(r, "", r.get("train_data.video_path"))
    if "seed" in r.mapping.overrides:
        r.mapping.notes["seed"] = ("the original draws every prompt from one generator in turn; "
                                   "here prompt i uses seed + i")
    for field in ("train_batch_size", "validation_steps", "gradient_checkpointing",
                  "gradient_accumulation_steps"):
        r.unmapped(field, "a training setting; sampling has no use for it")


def _train(r: _Reader) -> None:
    r.to("pretrained_model_path", "init.model", str)
    r.to("resume_from_checkpoint", "init.fyp_checkpoint", str)
    r.to("output_dir", "workdir", str)
    r.to("seed", "seed", int)
    r.to("skeleton_path", "validation.pose", str)
    r.to("learning_rate", "optim.lr", float)
    r.to("train_batch_size", "batch_size", int)
    r.to("max_train_steps", "num_steps", int)
    r.to("checkpointing_steps", "checkpoint.every", int)
    r.to("validation_steps", "validation.every", int)
    r.to("gradient_accumulation_steps", "accum_steps", int)
    r.to("lr_warmup_steps", "optim.warmup_steps", int)
    r.to("adam_beta1", "optim.b1", float)
    r.to("adam_beta2", "optim.b2", float)
    r.to("adam_weight_decay", "optim.weight_decay", float)
    r.to("adam_epsilon", "optim.eps", float)
    r.to("max_grad_norm", "optim.max_grad_norm", float)
    r.to("trainable_modules", "trainable.unet", trainable_regex)
    r.to("gradient_checkpointing", "model.remat_policy",
         lambda on: "nothing_saveable" if on else "")
    r.choice("mixed_precision", "model.compute_dtype", _PRECISION)
    r.choice("lr_scheduler", "optim.schedule", _SCHEDULES)
    r.only_default("scale_lr", False, "scale the learning rate yourself (--config.optim.lr)")
    r.only_default("use_8bit_adam", False, "8-bit Adam (bitsandbytes) has no JAX equivalent here")
    r.to("train_data.n_sample_frames", "data.frames", int)
    r.to("train_data.width", "data.width", int)
    r.to("train_data.height", "data.height", int)
    single_video = ("the original fine-tunes on this one video; build a video_text dataset "
                    "(python -m fyp_jax.data build video_text TABLE --num-frames N --frame-stride"
                    " S) and pass --config.data.source=fyp_jax.data.factories:built_clips")
    for field in ("train_data.video_path", "train_data.prompt", "train_data.sample_start_idx",
                  "train_data.sample_frame_rate"):
        r.unmapped(field, single_video)
    _validation(r, "validation.", None)
    if "batch_size" in r.mapping.overrides:
        r.mapping.notes["train_batch_size"] = ("per GPU in the original, the GLOBAL batch here: "
                                               "multiply by the number of devices")


def map_original_config(path: str | Path, kind: str) -> OriginalMapping:
    """Read the original's YAML at `path` for `kind` ("sample": txt2video.py, "train":
    train_followyourpose.py). ConfigError when the file is missing or not a YAML mapping."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"original config not found: {path} (a FollowYourPose YAML such as "
                          "configs/pose_sample.yaml)")
    try:
        document = yaml.load(path.read_text(), Loader=_Loader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as error:
        raise ConfigError(f"cannot read {path} as YAML: {error}") from None
    if not isinstance(document, dict):
        raise ConfigError(f"{path} is not a FollowYourPose config (a YAML mapping of fields)")
    reader = _Reader(document)
    (_sample if kind == "sample" else _train)(reader)
    return reader.finish()


def apply_original_config(cfg: Any, path: str | Path, kind: str, argv: list[str]) -> None:
    """What `--original_config PATH` does in a CLI: map the YAML onto `cfg`, except the fields
    given as `--config.x` in `argv`, and warn about every field it does not carry over."""
    mapping = map_original_config(path, kind)
    mapping.apply(cfg, keep=command_line_fields(argv))
    if mapping.unmapped or mapping.notes:
        logging.getLogger("fyp_jax").warning("%s:\n%s", path, mapping.summary())
