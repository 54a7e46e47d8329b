"""`video_latents`: stage-2 training data with the frozen encoders already applied: each clip's
VAE latents and its caption's CLIP text embedding, so training runs neither encoder.

Latents are `scaling_factor * z` (what the UNet sees), z drawn once from the VAE posterior with
the key `fold_in(PRNGKey(seed), clip index)` (`latent_mode="sample"`, as the original trainer
draws; the same draw whichever batch or Beam worker encodes the clip) or its mean (`"mean"`). A
caption's embedding is computed once per worker however many clips share it. Clips that fail to
decode are skipped and listed in `metadata["skipped"]`.

Record: {"latents": float32 [F, h, w, c], "text_emb": float32 [n, d], "caption": str}.
"""

from collections.abc import Iterator, Sequence
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import tensorflow_datasets as tfds

from fyp_jax.bundle import ModelBundle, load_bundle
from fyp_jax.data.builders.common import (
    FypBuilder,
    KeyRecord,
    RecordMaker,
    Skipped,
    float_tensor,
    prepare,
)
from fyp_jax.data.transforms import ClipTransform
from fyp_jax.errors import DataError
from fyp_jax.models.vae import AutoencoderKL, encode_video
from fyp_jax.tokenizer import tokenize


class VideoLatents(FypBuilder, skip_registration=True):
    """VAE latents and CLIP text embeddings of video clips (cached stage-2 inputs)."""

    name = "video_latents"

    def __init__(self, *, data_dir: str | Path, records: "LatentRecords", parameters: dict):
        self._records, self._parameters = records, parameters
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

    def _generate_examples(self, split: str):
        return self.guarded(split, self._records.chunks(), self._records)


def _encoder(vae: AutoencoderKL, mode: str, chunk: int):
    """jit: (params, video uint8 [b, f, H, W, 3], key, clip indexes int [b]) -> scaled latents
    float32 [b, f, h, w, c]; clip i's draw uses `fold_in(key, i)`, whatever batch it is in."""

    @jax.jit
    def encode(params, video: jnp.ndarray, key: jax.Array, indexes: jnp.ndarray) -> jnp.ndarray:
        pixels = video.astype(jnp.float32) / 127.5 - 1.0
        mean, logvar = encode_video(vae, params, pixels, chunk=chunk)
        if mode == "mean":
            z = mean
        else:
            keys = jax.vmap(jax.random.fold_in, (None, 0))(key, indexes)
            z = jax.vmap(vae.sample)(mean, logvar, keys)
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


class LatentRecords(RecordMaker):
    """The records of one batch of `batch_size` clip indexes (the last one padded: one compiled
    shape). The bundle is loaded, and the encoders compiled, once per worker; a clip that fails
    to decode is skipped."""

    def __init__(
        self,
        source: Sequence,
        bundle: ModelBundle | Path,
        transform: ClipTransform,
        batch_size: int,
        mode: str,
        seed: int,
        chunk: int,
    ):
        self._source, self._bundle, self._transform = source, bundle, transform
        self._batch_size, self._mode, self._seed, self._chunk = batch_size, mode, seed, chunk
        self._loaded: tuple | None = None

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_loaded": None}

    def chunks(self) -> list[tuple[int, ...]]:
        n, size = len(self._source), self._batch_size
        return [tuple(range(i, min(i + size, n))) for i in range(0, n, size)]

    def setup(self) -> None:
        if self._loaded is None:
            bundle = self._bundle
            if not isinstance(bundle, ModelBundle):
                bundle = load_bundle(bundle)
            encode = _encoder(bundle.modules["vae"], self._mode, self._chunk)
            self._loaded = (bundle.params["vae"], encode, _TextEmbeddings(bundle, self._batch_size))

    def describe(self, indexes: tuple[int, ...]) -> str:
        return f"records {indexes[0]}..{indexes[-1]} of {self._source!r}"

    def __call__(self, indexes: tuple[int, ...]) -> Iterator[KeyRecord | Skipped]:
        params, encode, texts = self._loaded
        kept, videos, captions = [], [], []
        for index in indexes:
            try:
                example = self._transform(self._source[index])
            except Exception as error:  # a clip that does not decode: skip it, keep the batch
                yield Skipped.of(f"record {index} of {self._source!r}", error)
                continue
            kept.append(index)
            videos.append(example["video"])
            captions.append(example["caption"])
        if not kept:
            return
        pad = self._batch_size - len(kept)
        video = np.stack(videos + [np.zeros_like(videos[0])] * pad)
        padded_indexes = np.asarray(kept + [kept[0]] * pad, np.int32)
        latents = encode(params, video, jax.random.PRNGKey(self._seed), padded_indexes)
        latents = np.asarray(latents)[: len(kept)]
        for index, latent, text_emb, caption in zip(
            kept, latents, texts(captions), captions, strict=True
        ):
            yield index, {"latents": latent, "text_emb": text_emb, "caption": caption}


def build_latent_cache(
    data_dir: str | Path,
    source: Sequence,
    bundle: ModelBundle | str | Path,
    *,
    num_frames: int | None = None,
    size: int | tuple[int, int] | None = None,
    batch_size: int = 4,
    latent_mode: str = "sample",
    seed: int = 0,
    chunk: int = 8,
    overwrite: bool = False,
    beam_options: str | None = None,
) -> Path:
    """Encode the clips of `source` (records with "frames" and "caption": `open_split` of a
    `video_text` or PoseWorld clip dataset, or a `PoseWorldSource`) with the VAE and text
    encoder of `bundle` (a bundle or its folder) into `video_latents` under `data_dir`.
    `num_frames` / `size` as in `ClipTransform`. `beam_options`: build on Apache Beam (see
    `prepare`); each worker loads the bundle from its folder, so `bundle` must be one.
    Returns the dataset folder for `open_split(folder, "train")`."""
    if latent_mode not in ("sample", "mean"):
        raise DataError(f"latent_mode must be 'sample' or 'mean', got {latent_mode!r}")
    if beam_options is not None and isinstance(bundle, ModelBundle):
        raise DataError("a Beam build loads the bundle on each worker: give its folder")
    loaded = bundle if isinstance(bundle, ModelBundle) else load_bundle(bundle)
    parameters = {
        "source": repr(source),
        "num_frames": num_frames,
        "size": size,
        "latent_mode": latent_mode,
        "seed": seed,
        "scaling_factor": loaded.modules["vae"].scaling_factor,
    }
    records = LatentRecords(
        source,
        Path(bundle) if beam_options is not None else loaded,
        ClipTransform(num_frames, size),
        batch_size,
        latent_mode,
        seed,
        chunk,
    )
    del loaded
    builder = VideoLatents(data_dir=data_dir, records=records, parameters=parameters)
    return prepare(builder, overwrite, beam_options)
