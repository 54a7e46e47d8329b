"""Reading built datasets: a split of a dataset folder as a random-access source of records.

Reading goes through `tfds.builder_from_directory(...).as_data_source(split)`, which reads the
array_record files with the array_record library and decodes records with NumPy: TensorFlow is
never imported, and the builder classes (and what they import) are not needed.
"""

from collections.abc import Sequence
from pathlib import Path

from fyp_jax.errors import DataError


def find_dataset(folder: str | Path) -> Path:
    """The built dataset at `folder`: the folder holding dataset_info.json, `folder` itself or
    the one version (and config) folder below it."""
    folder = Path(folder).expanduser()
    if (folder / "dataset_info.json").is_file():
        return folder
    found = sorted(
        p.parent for depth in ("*", "*/*") for p in folder.glob(f"{depth}/dataset_info.json")
    )
    if len(found) == 1:
        return found[0]
    if not found:
        raise DataError(
            f"no built dataset in {folder}; build one with `python -m fyp_jax.data build ...`"
        )
    raise DataError(f"{folder} holds several datasets; pick one of: {', '.join(map(str, found))}")


def open_split(folder: str | Path, split: str = "train") -> Sequence[dict]:
    """Records of `split` of the dataset built at `folder` (see `find_dataset`): a sequence of
    dicts (numbers and arrays as NumPy, text and encoded images as bytes), random access, safe
    to read from several threads."""
    import tensorflow_datasets as tfds

    builder = tfds.builder_from_directory(str(find_dataset(folder)))
    if split not in builder.info.splits:
        raise DataError(
            f"{builder.data_dir} has no split {split!r}; it has {sorted(builder.info.splits)}"
        )
    return builder.as_data_source(split=split)
