"""What the trainer needs from an input pipeline, an in-memory implementation, and the factory
that picks one from ``config.data``.

A data source is an iterator over THIS process's rows of each global batch (process p of P holds
rows p*B/P .. (p+1)*B/P - 1 of a global batch of B), whose position can be saved and restored as
JSON (``get_state`` / ``set_state``): the grain loaders of ``fyp_jax.data`` satisfy it. Entries
are numpy arrays; a "caption" entry holds strings.

``config.data.source``: "synthetic" (random pixels and captions, for smoke runs) or
"package.module:function", called as ``function(config, process_index=, process_count=)`` and
returning a data source (the hook for ``fyp_jax.data`` loaders).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np

from fyp_jax.errors import ConfigError


class DataSource(Protocol):
    def __next__(self) -> dict[str, np.ndarray]: ...

    def get_state(self) -> dict: ...

    def set_state(self, state: dict) -> None: ...


class InMemorySource:
    """Global batches of ``examples`` (arrays with a leading example axis) in a fixed order,
    reshuffled every epoch when ``shuffle``. Each process indexes only its own rows."""

    def __init__(self, examples: Mapping[str, np.ndarray], *, global_batch_size: int,
                 seed: int = 0, shuffle: bool = True, process_index: int = 0,
                 process_count: int = 1):
        sizes = {len(v) for v in examples.values()}
        if len(sizes) != 1 or 0 in sizes:
            raise ConfigError(f"in-memory examples need one common, non-zero length; got {sizes}")
        if global_batch_size % process_count:
            raise ConfigError(f"global batch {global_batch_size} does not split over "
                              f"{process_count} processes")
        self.examples = {k: np.asarray(v) for k, v in examples.items()}
        self.size = sizes.pop()
        self.global_batch_size, self.seed, self.shuffle = global_batch_size, seed, shuffle
        self.local = global_batch_size // process_count
        self.first_row = process_index * self.local
        self.position = 0  # global batches delivered

    def _order(self, epoch: int) -> np.ndarray:
        if not self.shuffle:
            return np.arange(self.size)
        return np.random.default_rng([self.seed, epoch]).permutation(self.size)

    def indices(self, position: int) -> np.ndarray:
        """Example indices of this process's rows of global batch ``position``."""
        flat = position * self.global_batch_size + self.first_row + np.arange(self.local)
        epochs, within = np.divmod(flat, self.size)
        orders = {e: self._order(e) for e in np.unique(epochs)}
        return np.array([orders[e][i] for e, i in zip(epochs, within, strict=True)])

    def __iter__(self):
        return self

    def __next__(self) -> dict[str, np.ndarray]:
        rows = self.indices(self.position)
        self.position += 1
        return {k: v[rows] for k, v in self.examples.items()}

    def get_state(self) -> dict:
        return {"position": self.position}

    def set_state(self, state: dict) -> None:
        self.position = int(state["position"])


def synthetic_examples(kind: str, count: int, *, frames: int, height: int, width: int,
                       words: Any, seed: int = 0, latent_shape: tuple[int, ...] = (),
                       text_shape: tuple[int, ...] = ()) -> dict[str, np.ndarray]:
    """Random examples of a stage's format: "image" (image, skeleton, caption), "video" (video,
    caption) or "cached" (latents, text_emb)."""
    rng = np.random.default_rng(seed)
    words = list(words)
    captions = np.array([" ".join(rng.choice(words, 4)) for _ in range(count)])
    pixels = lambda *shape: rng.integers(0, 256, (count, *shape), dtype=np.uint8)  # noqa: E731
    if kind == "image":
        return dict(image=pixels(height, width, 3), skeleton=pixels(height, width, 3),
                    caption=captions)
    if kind == "video":
        return dict(video=pixels(frames, height, width, 3), caption=captions)
    if kind == "cached":
        return dict(latents=rng.standard_normal((count, frames, *latent_shape), np.float32),
                    text_emb=rng.standard_normal((count, *text_shape), np.float32))
    raise ConfigError(f"unknown synthetic data kind {kind!r}")


def make_source(cfg: Any, example_kind: str, *, latent_shape: tuple[int, ...] = (),
                text_shape: tuple[int, ...] = (), process_index: int = 0,
                process_count: int = 1) -> DataSource:
    """The data source ``config.data.source`` names (see the module docstring)."""
    data = cfg.data
    if data.source == "synthetic":
        examples = synthetic_examples(
            example_kind, data.num_examples, frames=data.frames, height=data.height,
            width=data.width, words=cfg.init.words, seed=cfg.seed, latent_shape=latent_shape,
            text_shape=text_shape)
        return InMemorySource(examples, global_batch_size=cfg.batch_size, seed=cfg.seed,
                              shuffle=data.shuffle, process_index=process_index,
                              process_count=process_count)
    module_name, _, function = data.source.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), function)
    except (ImportError, AttributeError, ValueError) as e:
        raise ConfigError(f"data.source={data.source!r}: cannot load it ({e}); use 'synthetic' "
                          "or 'package.module:function'") from e
    return factory(cfg, process_index=process_index, process_count=process_count)
