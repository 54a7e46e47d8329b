"""CLIP tokenizers: loading SD's, and building a small one for a closed vocabulary.

A built tokenizer is an ordinary transformers ``CLIPTokenizer`` (byte-level BPE, lower-cased,
``</w>`` word ends) whose vocabulary holds the 256 byte symbols, their word-final forms, and one
token per listed word (with the merges that assemble it), so every listed word is one token and
any other text still tokenizes (into characters).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from fyp_jax.errors import ConversionError

BOS, EOS = "<|startoftext|>", "<|endoftext|>"


def _byte_symbols() -> list[str]:
    """The printable stand-in of each byte used by byte-level BPE (GPT-2 / CLIP convention):
    printable Latin-1 bytes map to themselves, the others to code points from 256 up."""
    printable = set(range(ord("!"), ord("~") + 1)) | set(range(0xA1, 0xAD)) | set(range(0xAE, 0x100))
    out, extra = [], 0
    for b in range(256):
        if b in printable:
            out.append(chr(b))
        else:
            out.append(chr(256 + extra))
            extra += 1
    return out


def _word_merges(word: str, ranks: dict[tuple[str, str], int]) -> list[tuple[str, str]]:
    """The merges to append so that BPE with ``ranks`` (earlier merges win) ends ``word`` as one
    token: BPE is replayed on the word, and where no known merge applies, the first two pieces
    are merged. Appended merges rank last, so words already built keep their tokens."""
    pieces = list(word[:-1]) + [word[-1] + "</w>"]
    added = []
    while len(pieces) > 1:
        pairs = [(ranks.get(p, len(ranks) + 1), i) for i, p in enumerate(zip(pieces, pieces[1:], strict=False))]
        rank, i = min(pairs)
        if rank > len(ranks):
            i = 0
            ranks[(pieces[0], pieces[1])] = len(ranks)
            added.append((pieces[0], pieces[1]))
        pieces[i : i + 2] = [pieces[i] + pieces[i + 1]]
    return added


def build_clip_tokenizer(words: Iterable[str]):
    """A CLIPTokenizer in which every word of ``words`` (lower-case letters) is one token."""
    from transformers import CLIPTokenizer

    symbols = _byte_symbols()
    vocab = symbols + [s + "</w>" for s in symbols]
    known, ranks = set(vocab), {}
    for word in sorted({w.lower() for w in words}):
        for a, b in _word_merges(word, ranks):
            if a + b not in known:
                vocab.append(a + b)
                known.add(a + b)
    vocab += [BOS, EOS]
    merges = sorted(ranks, key=ranks.get)
    return CLIPTokenizer(vocab={t: i for i, t in enumerate(vocab)}, merges=merges)


def load_tokenizer(folder: str | os.PathLike):
    """A CLIPTokenizer saved in ``folder`` (SD's ``tokenizer/`` or one written by this package)."""
    from transformers import CLIPTokenizer

    try:
        return CLIPTokenizer.from_pretrained(str(folder))
    except (OSError, ValueError, TypeError) as e:
        raise ConversionError(f"cannot load a CLIP tokenizer from {folder}: {e}") from e


def tokenize(tokenizer, prompts: list[str], max_length: int):
    """Token ids ``[len(prompts), max_length]`` padded/truncated as SD does (numpy int32)."""
    import numpy as np

    ids = tokenizer(prompts, padding="max_length", max_length=max_length, truncation=True)["input_ids"]
    return np.asarray(ids, np.int32)
