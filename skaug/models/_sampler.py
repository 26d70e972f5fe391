"""Class-weighted sampling and in-memory batch loading for training."""

import numbers

import numpy as np
import torch
from torch.utils.data import BatchSampler, DataLoader, WeightedRandomSampler

__all__ = ["class_sample_weights", "make_batch_loader", "make_class_weighted_sampler"]


def class_sample_weights(y):
    """Weight each sample by the inverse of its class count.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels, of any type.

    Returns
    -------
    weights : ndarray of shape (n_samples,), dtype float64
        ``1 / count(y[i])`` for sample ``i``, so every class has the same total
        weight.

    Examples
    --------
    >>> from skaug.models import class_sample_weights
    >>> class_sample_weights(["a", "a", "a", "b"]).tolist()
    [0.333..., 0.333..., 0.333..., 1.0]
    """
    _, codes, counts = np.unique(np.asarray(y), return_inverse=True, return_counts=True)
    return 1.0 / counts[codes.reshape(-1)]


def make_class_weighted_sampler(y, *, num_samples=None, generator=None):
    """Build a sampler that draws every class equally often, with replacement.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels of the training data, of any type.
    num_samples : int, default=None
        Number of indices drawn per pass (one epoch). ``None`` draws ``len(y)``.
    generator : torch.Generator, default=None
        Source of randomness. Pass a seeded generator for reproducible draws;
        ``None`` uses torch's global generator.

    Returns
    -------
    sampler : torch.utils.data.WeightedRandomSampler
        Draws index ``i`` with probability proportional to ``1 / count(y[i])``, so
        each class fills about ``1 / n_classes`` of an epoch. Minority flows repeat
        within an epoch and majority flows are left out of some epochs.

    Examples
    --------
    >>> import torch
    >>> from skaug.models import make_class_weighted_sampler
    >>> y = ["web"] * 90 + ["voip"] * 10
    >>> generator = torch.Generator().manual_seed(0)
    >>> sampler = make_class_weighted_sampler(y, generator=generator)
    >>> len(list(sampler))
    100
    """
    y = np.asarray(y)
    if y.ndim != 1 or y.size == 0:
        raise ValueError(
            f"y must be a non-empty 1-D array of class labels, got shape {y.shape}. "
            "Pass one label per training sample."
        )
    if num_samples is None:
        num_samples = y.size
    if not isinstance(num_samples, numbers.Integral) or num_samples < 1:
        raise ValueError(
            f"num_samples must be an integer >= 1 or None, got {num_samples!r}. "
            "Pass the number of indices to draw per epoch."
        )

    weights = torch.from_numpy(class_sample_weights(y))
    return WeightedRandomSampler(
        weights, int(num_samples), replacement=True, generator=generator
    )


def make_batch_loader(dataset, sampler, batch_size, *, loader=DataLoader, **kwargs):
    """Load whole batches of an in-memory dataset, one indexing call per batch.

    A plain :class:`~torch.utils.data.DataLoader` fetches each sample on its own
    and collates the batch afterwards. Flow arrays live in memory, so this loader
    passes the batch's list of indices to the dataset once instead, which returns
    the batch already stacked.

    Parameters
    ----------
    dataset : torch.utils.data.Dataset
        A dataset whose ``__getitem__`` accepts a list of indices, such as
        :class:`skorch.dataset.Dataset` over arrays or a
        :class:`~torch.utils.data.Subset` of it.
    sampler : torch.utils.data.Sampler
        Order (and repetition) of the sample indices in one pass.
    batch_size : int
        Number of samples per batch. The last batch may be smaller.
    loader : type, default=torch.utils.data.DataLoader
        Loader class to build.
    **kwargs : dict
        Further arguments of the loader, such as ``num_workers``.

    Returns
    -------
    loader : torch.utils.data.DataLoader
        Yields the dataset's items for each batch of indices.
    """
    batch_sampler = BatchSampler(sampler, batch_size, drop_last=False)
    return loader(dataset, batch_size=None, sampler=batch_sampler, **kwargs)
