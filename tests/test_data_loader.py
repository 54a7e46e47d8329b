"""The input pipeline: seeded order, per-process split of global batches, resumable position,
bad records skipped and counted, a dataset without any valid record reported."""

import json
import logging

import numpy as np
import pytest

from fyp_jax.data import ImageTransform, PoseWorldSource, make_loader, stack_examples
from fyp_jax.data.codec import encode_image
from fyp_jax.errors import DataError


def _ids(source, count=None, **kwargs):
    """`count` batches (all when None) of record ids from a loader over `source`."""
    loader = make_loader(source, transform=lambda r: {"id": np.int64(r["id"])}, **kwargs)
    batches = [b["id"].tolist() for _, b in zip(range(count or 10**9), loader, strict=False)]
    return batches, loader


RECORDS = [{"id": i} for i in range(23)]


def test_same_seed_same_order_other_seed_other_order():
    first, _ = _ids(RECORDS, 6, global_batch_size=4, seed=7)
    again, _ = _ids(RECORDS, 6, global_batch_size=4, seed=7)
    other, _ = _ids(RECORDS, 6, global_batch_size=4, seed=8)
    assert first == again != other


def test_each_epoch_is_a_new_permutation_of_every_record():
    batches, _ = _ids(RECORDS, global_batch_size=1, seed=0, num_epochs=2)
    flat = [i for b in batches for i in b]
    assert sorted(flat[:23]) == sorted(flat[23:]) == list(range(23))
    assert flat[:23] != flat[23:]
    unshuffled, _ = _ids(RECORDS, global_batch_size=5, seed=0, shuffle=False, num_epochs=1)
    assert [i for b in unshuffled for i in b] == list(range(20))  # the last partial batch dropped


def test_last_partial_batch_kept_when_asked():
    batches, _ = _ids(
        RECORDS, global_batch_size=5, seed=0, shuffle=False, num_epochs=1, drop_remainder=False
    )
    assert [len(b) for b in batches] == [5, 5, 5, 5, 3]


def test_processes_split_each_global_batch():
    whole, _ = _ids(RECORDS, 5, global_batch_size=6, seed=2)
    shares = [
        _ids(RECORDS, 5, global_batch_size=6, seed=2, process_index=p, process_count=3)[0]
        for p in range(3)
    ]
    for t in range(5):
        assert [i for share in shares for i in share[t]] == whole[t]


def test_processes_split_the_last_partial_batch_too():
    kwargs = dict(global_batch_size=6, seed=0, shuffle=False, num_epochs=1, drop_remainder=False)
    shares = [_ids(RECORDS, process_index=p, process_count=3, **kwargs)[0] for p in range(3)]
    assert shares == [
        [[0, 1], [6, 7], [12, 13], [18, 19]],
        [[2, 3], [8, 9], [14, 15], [20, 21]],
        [[4, 5], [10, 11], [16, 17], [22]],
    ]


def test_resumed_run_sees_what_an_uninterrupted_run_sees():
    uninterrupted, _ = _ids(RECORDS, 9, global_batch_size=4, seed=5, num_threads=2)
    _, loader = _ids(RECORDS, 4, global_batch_size=4, seed=5, num_threads=2)
    state = json.loads(json.dumps(loader.get_state()))
    resumed = make_loader(
        RECORDS, global_batch_size=4, seed=5, transform=lambda r: {"id": np.int64(r["id"])}
    )
    resumed.set_state(state)
    assert [next(resumed)["id"].tolist() for _ in range(5)] == uninterrupted[4:]
    assert resumed.stats() == {"examples": 36, "skipped": 0}


def test_state_of_another_stream_is_refused():
    _, loader = _ids(RECORDS, 1, global_batch_size=4, seed=5)
    other = make_loader(RECORDS, global_batch_size=4, seed=6)
    with pytest.raises(DataError, match="seed saved 5 now 6"):
        other.set_state(loader.get_state())


def test_corrupt_record_is_skipped_counted_and_logged(caplog):
    good = PoseWorldSource("image", "train", size=32, length=5)
    records = [
        dict(good[k], image=encode_image(good[k]["image"]), path=f"img{k}.jpg") for k in range(5)
    ]
    records[2]["image"] = records[2]["image"][:40]  # truncated JPEG
    with caplog.at_level(logging.WARNING, logger="fyp_jax.data"):
        loader = make_loader(
            records, global_batch_size=2, seed=0, shuffle=False, transform=ImageTransform(32)
        )
        batches = [next(loader) for _ in range(4)]
    assert all(b["image"].shape == (2, 32, 32, 3) for b in batches)
    assert loader.stats() == {"examples": 8, "skipped": 2}  # record 2 in both epochs so far
    assert "img2.jpg" in caplog.text and "skipped bad" in caplog.text
    assert loader.get_state()["skipped"] == 2


def test_source_without_any_valid_record_is_an_error():
    broken = [{"image": b"not an image", "keypoints": np.zeros((1, 17, 3)), "caption": "x"}] * 3
    loader = make_loader(broken, global_batch_size=2, seed=0, transform=ImageTransform(32))
    with pytest.raises(DataError, match="no valid example.*all 3 records failed"):
        next(loader)
    with pytest.raises(DataError, match="no record"):
        make_loader([], global_batch_size=2, seed=0)


def test_batch_size_must_split_over_processes():
    with pytest.raises(DataError, match="multiple of the process count"):
        make_loader(RECORDS, global_batch_size=5, seed=0, process_count=2)


def test_strings_batch_as_object_arrays():
    batch = stack_examples([{"caption": "a", "x": np.ones(2)}, {"caption": "b", "x": np.zeros(2)}])
    assert batch["caption"].dtype == object and batch["caption"].tolist() == ["a", "b"]
    assert batch["x"].shape == (2, 2)


def test_config_hook_gives_per_process_poseworld_batches():
    import ml_collections

    from fyp_jax.data import factories

    config = ml_collections.ConfigDict(
        dict(
            batch_size=4,
            seed=0,
            data=dict(shuffle=True, height=32, width=32, frames=3, num_examples=50),
        )
    )
    images = next(factories.poseworld_images(config, process_index=1, process_count=2))
    assert images["image"].shape == images["skeleton"].shape == (2, 32, 32, 3)
    clips = next(factories.poseworld_clips(config))
    assert clips["video"].shape == (4, 3, 32, 32, 3) and clips["caption"].dtype == object
