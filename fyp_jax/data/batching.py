"""Stacking examples into a batch."""

import numpy as np


def stack_examples(examples: list[dict]) -> dict[str, np.ndarray]:
    """Examples with the same keys -> one dict of arrays with a leading batch axis.

    Arrays and numbers are stacked (shapes must agree). Strings and bytes become a numpy object
    array of the Python values, shape [batch]: `batch["caption"].tolist()` gives the list of str.
    """
    batch = {}
    for key in examples[0]:
        values = [example[key] for example in examples]
        if isinstance(values[0], str | bytes):
            column = np.empty(len(values), dtype=object)
            column[:] = values
            batch[key] = column
        else:
            batch[key] = np.stack(values)
    return batch
