"""The original's pose_sample.yaml / pose_train.yaml (configs/original/, as its repository
publishes them) mapped onto infer.py's and train_stage2.py's configs, every other field named."""

from pathlib import Path

import pytest

from fyp_jax.errors import ConfigError
from fyp_jax.original_config import command_line_fields, map_original_config
from fyp_jax.train.stage2 import ORIGINAL_TRAINABLE

ORIGINAL = Path(__file__).resolve().parents[1] / "configs" / "original"


def test_pose_sample_yaml_onto_the_infer_config():
    from configs.infer_default import get_config

    mapping = map_original_config(ORIGINAL / "pose_sample.yaml", "sample")
    cfg = get_config()
    mapping.apply(cfg, keep={"seed"})
    assert cfg.model == "./checkpoints/stable-diffusion-v1-4"
    assert cfg.fyp_checkpoint == "./checkpoints/followyourpose_checkpoint-1000"
    assert list(cfg.prompts) == ["Iron man on the beach", "Stormtrooper on the sea",
                                 "Astronaut on the beach"]
    assert (cfg.frames, cfg.height, cfg.width, cfg.steps, cfg.guidance, cfg.stride) == (
        32, 512, 512, 50, 12.5, 5)
    assert cfg.seed == 0  # given on the command line: kept
    assert cfg.dtype == "float32" and cfg.out == "output"
    assert set(mapping.unmapped) == {
        "train_batch_size", "validation_steps", "gradient_checkpointing",
        "enable_xformers_memory_efficient_attention", "validation_data.dataset_set",
        "validation_data.num_inv_steps"}


def test_pose_train_yaml_onto_the_stage2_config():
    from configs.train_stage2_sd14 import get_config

    mapping = map_original_config(ORIGINAL / "pose_train.yaml", "train")
    cfg = get_config()
    mapping.apply(cfg)
    assert cfg.trainable.unet == ORIGINAL_TRAINABLE
    assert cfg.optim.lr == pytest.approx(3e-5) and isinstance(cfg.optim.lr, float)
    assert (cfg.num_steps, cfg.checkpoint.every, cfg.validation.every, cfg.batch_size) == (
        5000, 1000, 100, 1)
    assert (cfg.data.frames, cfg.data.height, cfg.data.width) == (12, 512, 512)
    assert cfg.validation.frames == 24 and len(cfg.validation.prompts) == 4
    assert cfg.validation.pose == "./pose_example/vis_kun_pose2.mov"
    assert cfg.init.model == "./checkpoints/stable-diffusion-v1-4" and cfg.workdir == "output"
    assert cfg.model.remat_policy == "" and cfg.model.compute_dtype == "float32"
    assert set(mapping.unmapped) == {
        "train_data.video_path", "train_data.prompt", "train_data.sample_frame_rate",
        "train_data.sample_start_idx", "train_data.dataset_set", "validation_data.dataset_set",
        "validation_data.num_inv_steps", "enable_xformers_memory_efficient_attention"}
    assert "train_batch_size" in mapping.notes


def test_unknown_and_unsupported_fields_are_named(tmp_path):
    text = (ORIGINAL / "pose_train.yaml").read_text()
    text += "use_8bit_adam_extra: 1\nlr_scheduler: polynomial\n"
    text = text.replace("use_8bit_adam: False", "use_8bit_adam: True")
    text = text.replace("  use_inv_latent: False", "  use_inv_latent: True\n  new_knob: 3")
    path = tmp_path / "mine.yaml"
    path.write_text(text)
    mapping = map_original_config(path, "train")
    assert mapping.unmapped["use_8bit_adam_extra"] == "unknown field"
    assert mapping.unmapped["validation_data.new_knob"] == "unknown field"
    assert "8-bit Adam" in mapping.unmapped["use_8bit_adam"]
    assert "polynomial" in mapping.unmapped["lr_scheduler"]
    assert "validation_data.use_inv_latent" in mapping.unmapped
    summary = mapping.summary()
    assert "use_8bit_adam_extra" in summary and "validation_data.new_knob" in summary


def test_bad_files_and_command_line_fields(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        map_original_config(tmp_path / "nope.yaml", "sample")
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="not a FollowYourPose config"):
        map_original_config(tmp_path / "list.yaml", "sample")
    assert command_line_fields(["--config.optim.lr=1e-4", "--config.seed", "3", "--prompt=x"]) == {
        "optim.lr", "seed"}
