"""Train and test flows of a benchmark, loaded once per process."""

import functools

import numpy as np
from sklearn.model_selection import train_test_split

__all__ = ["load_benchmark_data"]

SPLIT_SEED = 12345


def load_benchmark_data(config, split):
    """Load the training and test flows of one split.

    The MIRAGE data sets use the study's split ``split`` (10% test). Other sources are
    split with the same rule, a stratified hold-out of ``config.test_size`` seeded with
    ``12345 + split``. In both cases the network takes its own validation set out of
    the training flows for early stopping.

    Parameters
    ----------
    config : StudyConfig
        The benchmark settings.
    split : int
        Index of the split, >= 0.

    Returns
    -------
    X_train, y_train, X_test, y_test : ndarray
        Flow arrays and class names.
    """
    return _load_cached(
        config.dataset,
        config.data,
        config.n_packets,
        config.n_flows,
        config.test_size,
        split,
    )


@functools.lru_cache(maxsize=4)
def _load_cached(dataset, data, n_packets, n_flows, test_size, split):
    from .. import datasets

    if dataset in ("mirage19", "mirage22"):
        loader = (
            datasets.load_mirage19 if dataset == "mirage19" else datasets.load_mirage22
        )
        bunch = loader(_require_path(dataset, data), n_packets=n_packets, split=split)
        train = np.concatenate([bunch.train_index, bunch.val_index])
        return (
            bunch.data[train],
            bunch.target[train],
            bunch.data[bunch.test_index],
            bunch.target[bunch.test_index],
        )

    if dataset == "synthetic":
        X, y = datasets.make_flows(
            n_flows=n_flows, n_packets=n_packets, random_state=0, return_X_y=True
        )
    elif dataset == "certta":
        bunch = datasets.load_certta(_require_path(dataset, data), n_packets=n_packets)
        X, y = bunch.data, bunch.target
    elif dataset == "pcap":
        bunch = datasets.load_ndpi_captures(
            _require_path(dataset, data), n_packets=n_packets
        )
        X, y = bunch.data, bunch.target
    else:
        raise ValueError(f"Unknown dataset {dataset!r}.")

    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=SPLIT_SEED + split
    )
    return X_train, y_train, X_test, y_test


def _require_path(dataset, data):
    if data is None:
        raise ValueError(
            f"The {dataset!r} dataset needs its location: pass --data PATH "
            "(a folder or archive of the data set)."
        )
    return data
