"""Beam builds (2 DirectRunner worker processes) give the same records and the same skip list as
the one-process builds of the same source files."""

import json

import numpy as np
import pytest
from test_data_builders import write_sources

from fyp_jax.data import PoseWorldSource, open_split
from fyp_jax.data.builders import build_laion_pose, build_latent_cache, build_video_text

pytest.importorskip(
    "apache_beam",
    reason="apache-beam (in the [beam] and [test] extras) is not installed; it needs pyarrow<26"
    " and protobuf<7, so it cannot join an environment that has pyarrow 26 or protobuf 7",
)

TWO_PROCESSES = "--direct_num_workers=2 --direct_running_mode=multi_processing"


def _records(folder) -> list[tuple]:
    """Every record as a tuple of its fields (arrays as bytes), sorted: order aside."""

    def value(v):
        if isinstance(v, np.ndarray):
            return (v.dtype.str, v.shape, v.tobytes()) if v.dtype != object else tuple(v.tolist())
        return v

    return sorted(tuple(sorted((k, value(v)) for k, v in r.items())) for r in open_split(folder))


def _skipped(folder) -> list[dict]:
    entries = json.loads((folder / "metadata.json").read_text())["skipped"]["train"]
    return sorted(entries, key=lambda e: (e["path"], e["reason"]))


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    return write_sources(tmp_path_factory.mktemp("sources"))


@pytest.mark.parametrize("dataset", ["laion_pose", "video_text"])
def test_beam_build_equals_one_process_build(sources, tmp_path, dataset):
    def build(data_dir, beam_options):
        if dataset == "laion_pose":
            return build_laion_pose(
                data_dir, sources["images"], keypoints=sources["keypoints"], max_size=48,
                beam_options=beam_options,
            )
        return build_video_text(
            data_dir, sources["table"], num_frames=4, frame_stride=2, size=32, clips_per_row=2,
            beam_options=beam_options,
        )

    here = build(tmp_path / "here", None)
    beam = build(tmp_path / "beam", TWO_PROCESSES)
    assert len(open_split(here)) >= 3
    assert _records(beam) == _records(here)
    assert _skipped(beam) == _skipped(here) and len(_skipped(here)) >= 2
    assert not list(beam.glob("*.skipped.json"))


@pytest.mark.slow  # Beam + the tiny VAE and text encoder: ~20 s
def test_beam_latent_cache_equals_one_process(tmp_path):
    """Sampled latents, the bundle loaded from its folder by the Beam worker."""
    from configs.models.tiny import bundle_configs
    from fyp_jax.bundle import save_bundle
    from fyp_jax.pipeline.random_bundle import random_bundle

    bundle = save_bundle(tmp_path / "bundle", random_bundle(*bundle_configs()))
    clips = PoseWorldSource("clip", "train", size=32, num_frames=2, length=3, seed=4)
    here = build_latent_cache(tmp_path / "here", clips, bundle, batch_size=2)
    beam = build_latent_cache(tmp_path / "beam", clips, bundle, batch_size=2, beam_options="")
    assert _records(beam) == _records(here)
