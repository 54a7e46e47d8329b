"""`video_latents`: stage-2 training data with the frozen encoders already applied: each clip's
VAE latents and its caption's CLIP text embedding, so training runs neither encoder.

Latents are `scaling_factor * z` (what the UNet sees), z drawn once from the VAE posterior with
a key derived from `seed` and the batch number (`latent_mode="sample"`, as the original trainer
draws) or its mean (`"mean"`). A caption's embedding is computed once however many clips share
it. Clips that fail to decode are skipped by the loader, logged and counted
(`metadata["build"]["stats"]`).

Record: {"latents": float32 [F, h, w, c], "text_emb": float32 [n, d], "caption": str}.
"""

import math
from collections.abc import Iterator, Sequence
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import tensorflow_datasets as tfds
from tqdm.auto import tqdm

from fyp_jax.bundle import ModelBundle
from fyp_jax.data.builders.common import FypBuilder, float_tensor, prepare
from fyp_jax.data.loader import make_loader
from fyp_jax.data.transforms import ClipTransform
from fyp_jax.errors import DataError
from fyp_jax.models.vae import AutoencoderKL, encode_video
from fyp_jax.tokenizer import tokenize


class VideoLatents(FypBuilder, skip_registration=True):
    """VAE latents and CLIP text embeddings of video clips (cached stage-2 inputs)."""

    name = "video_latents"

    def __init__(self, *, data_dir: str | Path, examples: Iterator[dict], parameters: dict):
        self._example_stream, self._parameters = examples, parameters
        super().__init__(data_dir=data_dir)

    def _features(self) -> tfds.features.FeaturesDict:
        return tfds.features.FeaturesDict(
            {
                "latents": float_tensor(None, None, None, None),
                "text_emb": float_tensor(None, None),
                "caption": tfds.features.Text(),
            }
        )

    def _build_parameters(self) -> dict:
        return self._parameters

    def _generate_examples(self, split: str) -> Iterator[tuple[str, dict]]:
        for index, example in enumerate(self._example_stream):
            yield str(index), example


def _encoder(vae: AutoencoderKL, mode: str, chunk: int):
    """jit: (params, video uint8 [b, f, H, W, 3], key) -> scaled latents float32 [b, f, h, w, c]."""

    @jax.jit
    def encode(params, video: jnp.ndarray, key: jax.Array) -> jnp.ndarray:
        pixels = video.astype(jnp.float32) / 127.5 - 1.0
        mean, logvar = encode_video(vae, params, pixels, chunk=chunk)
        z = mean if mode == "mean" else vae.sample(mean, logvar, key)
        return (z * vae.scaling_factor).astype(jnp.float32)

    return encode


class _TextEmbeddings:
    """CLIP last hidden states per caption, each computed once, `batch_size` at a time (one
    compiled shape)."""

    def __init__(self, bundle: ModelBundle, batch_size: int):
        module = bundle.modules["text_encoder"]
        self._apply = jax.jit(lambda params, ids: module.apply({"params": params}, ids))
        self._params = bundle.params["text_encoder"]
        self._tokenizer, self._length = bundle.tokenizer, module.max_position_embeddings
        self._batch_size = batch_size
        self._cache: dict[str, np.ndarray] = {}

    def __call__(self, captions: Sequence[str]) -> list[np.ndarray]:
        new = sorted({c for c in captions if c not in self._cache})
        for start in range(0, len(new), self._batch_size):
            chunk = new[start : start + self._batch_size]
            padded = chunk + [chunk[0]] * (self._batch_size - len(chunk))
            ids = tokenize(self._tokenizer, padded, self._length)
            embedded = np.asarray(self._apply(self._params, ids))
            self._cache.update(zip(chunk, embedded, strict=False))
        return [self._cache[c] for c in captions]


def _latent_examples(
    source: Sequence,
    bundle: ModelBundle,
    transform: ClipTransform,
    batch_size: int,
    mode: str,
    seed: int,
    chunk: int,
    stats: dict,
) -> Iterator[dict]:
    vae = bundle.modules["vae"]
    encode = _encoder(vae, mode, chunk)
    texts = _TextEmbeddings(bundle, batch_size)
    loader = make_loader(
        source,
        global_batch_size=batch_size,
        seed=seed,
        shuffle=False,
        transform=transform,
        num_epochs=1,
        drop_remainder=False,
    )
    key = jax.random.PRNGKey(seed)
    total = math.ceil(len(source) / batch_size)
    for step, batch in enumerate(tqdm(loader, total=total, desc="latents", unit="batch")):
        video, count = batch["video"], len(batch["video"])
        padded = np.concatenate(
            [video, np.zeros((batch_size - count, *video.shape[1:]), video.dtype)]
        )
        latents = encode(bundle.params["vae"], padded, jax.random.fold_in(key, step))
        latents = np.asarray(latents)[:count]
        captions = batch["caption"].tolist()
        for latent, text_emb, caption in zip(latents, texts(captions), captions, strict=True):
            yield {"latents": latent, "text_emb": text_emb, "caption": caption}
    stats.update(loader.stats())


def build_latent_cache(
    data_dir: str | Path,
    source: Sequence,
    bundle: ModelBundle,
    *,
    num_frames: int | None = None,
    size: int | tuple[int, int] | None = None,
    batch_size: int = 4,
    latent_mode: str = "sample",
    seed: int = 0,
    chunk: int = 8,
    overwrite: bool = False,
) -> Path:
    """Encode the clips of `source` (records with "frames" and "caption": `open_split` of a
    `video_text` or PoseWorld clip dataset, or a `PoseWorldSource`) with `bundle`'s VAE and text
    encoder into `video_latents` under `data_dir`. `num_frames` / `size` as in `ClipTransform`.
    Returns the dataset folder for `open_split(folder, "train")`."""
    if latent_mode not in ("sample", "mean"):
        raise DataError(f"latent_mode must be 'sample' or 'mean', got {latent_mode!r}")
    stats: dict = {}
    parameters = {
        "source": repr(source),
        "num_frames": num_frames,
        "size": size,
        "latent_mode": latent_mode,
        "seed": seed,
        "scaling_factor": bundle.modules["vae"].scaling_factor,
        "stats": stats,
    }
    examples = _latent_examples(
        source, bundle, ClipTransform(num_frames, size), batch_size, latent_mode, seed, chunk, stats
    )
    return prepare(
        VideoLatents(data_dir=data_dir, examples=examples, parameters=parameters), overwrite
    )
