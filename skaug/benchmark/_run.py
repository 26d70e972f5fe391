"""One benchmark run: train one method with one seed, score it on the test flows."""

import os
import socket
import time

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

from ._data import load_benchmark_data
from ._protocol import build_estimator

__all__ = ["execute_run"]


def execute_run(spec, config, augmentations, torch_threads=1):
    """Train and score one run. This is the task sent to local or Dask workers.

    Everything random in the run is seeded from ``spec.seed``, and torch uses a fixed
    number of threads, so the scores do not depend on the worker that ran it.

    Parameters
    ----------
    spec : RunSpec
        Which method, seed and split.
    config : StudyConfig
        The benchmark settings.
    augmentations : list of str
        The augmentations of the study, used to build "Stack".
    torch_threads : int, default=1
        Threads torch may use in this run.

    Returns
    -------
    result : dict
        The row for :meth:`ResultStore.add`.
    """
    import torch

    torch.set_num_threads(torch_threads)
    X_train, y_train, X_test, y_test = load_benchmark_data(config, spec.split)
    estimator = build_estimator(spec.method, config, spec.seed, augmentations)

    start = time.perf_counter()
    estimator.fit(X_train, y_train)
    fit_time = time.perf_counter() - start

    y_pred = estimator.predict(X_test)
    classes = np.unique(y_train)
    per_class = f1_score(y_test, y_pred, labels=classes, average=None, zero_division=0)
    return {
        "dataset": spec.dataset,
        "method": spec.method,
        "seed": spec.seed,
        "split": spec.split,
        "weighted_f1": f1_score(y_test, y_pred, average="weighted", zero_division=0),
        "accuracy": accuracy_score(y_test, y_pred),
        "per_class_f1": dict(zip(map(str, classes), map(float, per_class))),
        "fit_time_s": fit_time,
        "n_epochs": len(estimator.history_),
        "worker": f"{socket.gethostname()}:{os.getpid()}",
    }
