"""Similar past tickets and duplicates, from one exact nearest-neighbour pass over the text embeddings.

Why exact and chunked: a support queue of 100,000 tickets is a 100,000 x 100,000 similarity matrix, which
does not fit in memory but is a few seconds of matrix products per chunk; exact neighbours keep "the 5 most
similar past tickets" reproducible, and the same pass gives the near-duplicates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

CHUNK = 512  # query rows per matrix product: 512 x 100,000 floats is 200 MB


@dataclass
class Neighbours:
    """Per ticket (row order): the positions of its k most similar earlier tickets and their similarities."""

    index: np.ndarray  # (n, k) int, -1 where there are fewer than k earlier tickets
    similarity: np.ndarray  # (n, k) float32, NaN where index is -1


def order_rank(dates: np.ndarray | None, n: int) -> np.ndarray:
    """The time rank of each row: by date when there is one (rows without a date last), then by row order."""
    if dates is None:
        return np.arange(n)
    keys = np.where(np.isnat(dates), np.datetime64("2262-01-01"), dates).astype("datetime64[ns]").astype(np.int64)
    order = np.lexsort((np.arange(n), keys))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    return rank


def nearest_earlier(vecs: np.ndarray, rank: np.ndarray, k: int, only_earlier: bool = True) -> Neighbours:
    """The k most similar rows that come earlier in ``rank`` (or any other row when ``only_earlier`` is False)."""
    n = len(vecs)
    k_eff = max(0, min(k, n - 1))
    index = np.full((n, k), -1, dtype=np.int64)
    sims = np.full((n, k), np.nan, dtype=np.float32)
    if n < 2 or k_eff == 0:
        return Neighbours(index, sims)
    import torch  # here, not at import: the tool registry loads this module for every first question

    matrix = torch.from_numpy(np.ascontiguousarray(vecs, dtype=np.float32))
    ranks = torch.from_numpy(rank)
    with torch.inference_mode():
        for start in range(0, n, CHUNK):
            stop = min(n, start + CHUNK)
            block = matrix[start:stop] @ matrix.T
            if only_earlier:
                block.masked_fill_(ranks[None, :] >= ranks[start:stop, None], float("-inf"))
            else:
                block[torch.arange(stop - start), torch.arange(start, stop)] = float("-inf")
            values, idx = torch.topk(block, k_eff, dim=1)
            values_np, idx_np = values.numpy(), idx.numpy()
            valid = np.isfinite(values_np)
            index[start:stop, :k_eff] = np.where(valid, idx_np, -1)
            sims[start:stop, :k_eff] = np.where(valid, values_np, np.nan)
    return Neighbours(index, sims)


def normalise(text: str | None) -> str:
    """The text as a duplicate check compares it: lower case, letters and digits only, single spaces."""
    return re.sub(r"[^\w]+", " ", (text or "").lower()).strip()


def find_duplicates(
    texts: list[str | None],
    vecs: np.ndarray | None,
    rank: np.ndarray,
    neighbours: Neighbours,
    customers: np.ndarray | None,
    near_identical: float,
    same_customer: float,
) -> tuple[list[int | None], list[str | None]]:
    """For each ticket: the position of the earliest ticket it duplicates (or None) and why.

    A ticket duplicates an earlier one when their normalised texts are equal, when their embeddings are at
    least ``near_identical`` similar, or, for the same customer, at least ``same_customer`` similar. Chains
    point at the first ticket (a duplicate of a duplicate points at the original).
    """
    n = len(texts)
    first_of: dict[str, int] = {}
    target: list[int | None] = [None] * n
    why: list[str | None] = [None] * n
    order = np.argsort(rank, kind="stable")
    by_customer: dict[object, list[int]] = {}
    for i in order:
        text = texts[i]
        if text is None:
            continue
        customer = None if customers is None or _missing(customers[i]) else customers[i]
        key = normalise(text)
        if key and key in first_of:
            target[i], why[i] = first_of[key], "same text"
        elif vecs is not None:
            row_idx, row_sim = neighbours.index[i], neighbours.similarity[i]
            for j, s in zip(row_idx, row_sim, strict=False):
                if j >= 0 and s >= near_identical:
                    target[i], why[i] = int(j), f"near-identical text ({s:.2f})"
                    break
            if target[i] is None and customer is not None:
                earlier = by_customer.get(customer, [])
                if earlier:
                    cand = np.asarray(earlier)
                    s = vecs[cand] @ vecs[i]
                    best = int(np.argmax(s))
                    if s[best] >= same_customer:
                        target[i], why[i] = int(cand[best]), f"same customer, similar text ({s[best]:.2f})"
        if key and key not in first_of:
            first_of[key] = int(i)
        if customer is not None:
            by_customer.setdefault(customer, []).append(int(i))
    for i in range(n):  # point chains at the original
        seen = 0
        while target[i] is not None and target[target[i]] is not None and seen < n:
            target[i] = target[target[i]]
            seen += 1
    return target, why


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)
