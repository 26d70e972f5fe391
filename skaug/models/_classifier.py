"""FlowCNN: the skorch classifier that trains FlowResNet with online augmentation."""

import logging
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import (
    Interval,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.validation import check_consistent_length, column_or_1d
from skorch import NeuralNetClassifier
from skorch.callbacks import EpochScoring, EpochTimer, PassthroughScoring, PrintLog
from skorch.utils import is_dataset

from ..augment import BaseAugmenter
from ..flows import check_flows, check_random_generator
from ._callbacks import FlagEarlyStopping, encoded_accuracy
from ._network import FlowResNet
from ._training import MAX_SEED, OnlineAugmentationMixin

__all__ = ["FlowCNN"]

logger = logging.getLogger(__name__)


class FlowCNN(OnlineAugmentationMixin, NeuralNetClassifier):
    """Train a residual 1-D CNN on flows, with optional online augmentation.

    A skorch classifier whose default network is :class:`FlowResNet`. It takes flow
    arrays in the convention of :mod:`skaug.flows` and labels of any type. A
    stratified share of the training flows is held out for early stopping before any
    augmentation. The remaining flows are drawn in batches of ``batch_size`` (class
    balanced by default), and each training batch is augmented on the fly with a new
    random transformation, so every epoch sees different augmented copies.

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=FlowResNet
        Network to train. A class is built with ``n_classes`` set to the number of
        classes seen at fit, unless ``module__n_classes`` is given.
    augmentation : BaseAugmenter, default=None
        Augmentation applied to every training batch (for example ``Jitter()``).
        ``None`` trains on the original flows only. Its parameters are reachable as
        ``augmentation__<name>``, for example in a grid search.
    policy : {"inject", "replace"}, default="inject"
        How augmented copies enter a training batch. ``"inject"`` appends one
        augmented copy of each of the B flows, so the network trains on 2B flows.
        ``"replace"`` replaces each flow by its augmented copy with probability
        ``replace_p`` and keeps B flows.
    replace_p : float, default=0.5
        Probability of replacing a flow under ``policy="replace"``, in [0, 1].
    class_weighted_sampler : bool, default=True
        Draw training flows with probability inversely proportional to their class
        count, with replacement, ``len(training flows)`` draws per epoch, so classes
        are about equally frequent. ``False`` shuffles the training flows instead.
    validation_fraction : float or None, default=0.1
        Share of the training flows held out, stratified by class, to monitor the
        validation loss for early stopping. ``None`` trains on all flows and early
        stopping monitors the training loss. Used when ``train_split="auto"``.
    patience : int or None, default=5
        Number of epochs without improvement of the monitored loss (by a relative
        ``1e-4``) after which training stops. The weights of the best epoch are
        restored. ``None`` trains for ``max_epochs`` epochs.
    train_split : "auto", callable or None, default="auto"
        ``"auto"`` holds out ``validation_fraction`` of the flows as above. A skorch
        split callable (such as :class:`skorch.dataset.ValidSplit`) or ``None`` (no
        validation) is used as in skorch.
    random_state : None, int or numpy.random.Generator, default=None
        Seeds everything random in :meth:`fit`: torch's global generator (weight
        initialisation), the validation split, the training order and the
        augmentations. An int makes two fits give the same network on CPU.
    criterion : torch loss class, default=torch.nn.CrossEntropyLoss
        Loss on the network's logits.
    optimizer : torch optimizer class, default=torch.optim.Adam
        Optimizer.
    lr : float, default=1e-3
        Learning rate.
    max_epochs : int, default=50
        Maximum number of passes over the training flows.
    batch_size : int, default=32
        Number of flows per batch before augmentation, and per prediction batch.
    verbose : int, default=0
        ``0`` prints nothing. ``1`` prints skorch's table of losses per epoch.
    device : str, default="cpu"
        Torch device of the network.
    **kwargs : dict
        Further skorch parameters, such as ``module__width``,
        ``optimizer__weight_decay`` or ``callbacks``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, in the order of the columns of :meth:`predict_proba`.
    generator_ : numpy.random.Generator
        Generator of the last fit. It draws the training order's seed and every
        augmentation of every batch.
    validation_seed_ : int
        Seed of the validation split of the last fit.
    module_ : torch.nn.Module
        The trained network.
    history_ : skorch.history.History
        Losses, validation accuracy and duration of each epoch.
    stop_training_ : bool
        Whether early stopping ended the last fit before ``max_epochs``.

    See Also
    --------
    FlowResNet : The default network.
    skaug.augment.BaseAugmenter : Base class of the augmentations.

    Notes
    -----
    The inject policy doubles each training batch, so a fair baseline without
    augmentation trains with ``batch_size=2 * B``, as the reference study does. The
    pre-augment policy (augment once, offline) is an
    :class:`imblearn.pipeline.Pipeline` with the augmentation before this classifier.

    The validation flows are never augmented: augmentation happens per training
    batch, after the split.

    Two fits with the same int ``random_state`` give identical predictions on CPU.
    Other devices may use non-deterministic kernels. Seeding calls
    :func:`torch.manual_seed`, which also reseeds torch's global generator for the
    rest of the process.

    Unlike skorch's own classifier, :meth:`predict` returns the original labels,
    and early stopping sets a flag instead of raising ``KeyboardInterrupt``.

    References
    ----------
    .. [1] C. Wang, A. Finamore, P. Michiardi, M. Gallo, D. Rossi, "Data
       Augmentation for Traffic Classification", Passive and Active Measurement
       (PAM), 2024, arXiv:2401.10754.

    Examples
    --------
    >>> from skaug import FlowCNN, Jitter, make_flows
    >>> X, y = make_flows(n_flows=300, n_classes=3, random_state=0, return_X_y=True)
    >>> clf = FlowCNN(augmentation=Jitter(), max_epochs=2, random_state=0)
    >>> clf.fit(X, y).predict(X[:4]).shape
    (4,)
    >>> clf.classes_.tolist()
    ['app_0', 'app_1', 'app_2']
    """

    _parameter_constraints = {
        "augmentation": [BaseAugmenter, None],
        "policy": [StrOptions({"inject", "replace"})],
        "replace_p": [Interval(Real, 0, 1, closed="both")],
        "class_weighted_sampler": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
        "patience": [Interval(Integral, 1, None, closed="left"), None],
        "train_split": [StrOptions({"auto"}), callable, None],
        "random_state": ["random_state", np.random.Generator],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(
        self,
        module=FlowResNet,
        *,
        augmentation=None,
        policy="inject",
        replace_p=0.5,
        class_weighted_sampler=True,
        validation_fraction=0.1,
        patience=5,
        train_split="auto",
        random_state=None,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        max_epochs=50,
        batch_size=32,
        verbose=0,
        device="cpu",
        **kwargs,
    ):
        super().__init__(
            module,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            verbose=verbose,
            device=device,
            **kwargs,
        )
        self.augmentation = augmentation
        self.policy = policy
        self.replace_p = replace_p
        self.class_weighted_sampler = class_weighted_sampler
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.random_state = random_state

    @property
    def _default_callbacks(self):
        callbacks = [
            ("epoch_timer", EpochTimer()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
            ("valid_loss", PassthroughScoring(name="valid_loss")),
            (
                "valid_acc",
                EpochScoring(encoded_accuracy, name="valid_acc", lower_is_better=False),
            ),
        ]
        if self.patience is not None:
            has_validation = self.train_split is not None and (
                self.train_split != "auto" or self.validation_fraction is not None
            )
            monitor = "valid_loss" if has_validation else "train_loss"
            early_stopping = FlagEarlyStopping(
                monitor=monitor,
                patience=self.patience,
                load_best=True,
                sink=logger.info,
            )
            callbacks.append(("early_stopping", early_stopping))
        callbacks.append(("print_log", PrintLog()))
        return callbacks

    # Parameters and data

    def _check_params(self):
        if isinstance(self.augmentation, type):
            raise TypeError(
                "augmentation must be an augmenter instance, got the class "
                f"{self.augmentation.__name__}. Pass {self.augmentation.__name__}() "
                "instead."
            )
        params = {name: getattr(self, name) for name in self._parameter_constraints}
        validate_parameter_constraints(
            self._parameter_constraints, params, caller_name=type(self).__name__
        )

    def _check_fit_data(self, X, y, *, reset):
        X = check_flows(X)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires class labels y, got None. Pass one "
                "label per flow."
            )
        y = column_or_1d(y, warn=True)
        check_consistent_length(X, y)
        if len(y) == 0:
            raise ValueError(
                "X and y contain no flow. Pass at least one labelled flow."
            )

        if reset and self.classes is None:
            self.classes_inferred_ = np.unique(y)
            if len(self.classes_inferred_) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs flows of at least 2 classes, got "
                    f"only {self.classes_inferred_.tolist()}. Add flows of another "
                    "class, or pass classes=[...] to fix the class list."
                )
        return X, self._encode_labels(y)

    def _encode_labels(self, y):
        classes = self.classes_
        order = np.argsort(classes)
        positions = np.searchsorted(classes, y, sorter=order)
        codes = order[np.clip(positions, 0, len(classes) - 1)]
        unknown = classes[codes] != y
        if unknown.any():
            raise ValueError(
                f"y contains labels that are not among the classes {classes.tolist()}, "
                f"for example {y[unknown][0]!r}. Pass classes listing every label, "
                "or refit."
            )
        return codes.astype(np.int64)

    def check_data(self, X, y=None):
        # Labels arrive encoded as class indices; classes_ is set from the original
        # labels in fit, so skorch's inference from y is skipped.
        pass

    def _check_augmentation(self, X, y):
        if self.augmentation is None:
            return

        n_flows = min(len(X), self.batch_size)
        name = f"{type(self.augmentation).__name__}.augment"
        X_sample = self.augmentation.augment(
            X[:n_flows], y[:n_flows], random_state=0, check_input=True
        )
        X_sample = check_flows(X_sample, name=f"the output of {name}")
        if X_sample.shape != X[:n_flows].shape:
            raise ValueError(
                f"{name} must return one flow per input flow with the input's shape "
                f"{X[:n_flows].shape}, got shape {X_sample.shape}. Fix the "
                "augmenter's _augment method."
            )

    def _seed_random_streams(self):
        generator = check_random_generator(self.random_state)
        torch_seed, validation_seed = generator.integers(MAX_SEED, size=2)
        if self.random_state is not None:
            torch.manual_seed(int(torch_seed))
        self.validation_seed_ = int(validation_seed)
        self.generator_ = generator

    # Training

    def initialize_module(self):
        kwargs = self.get_params_for("module")
        if isinstance(self.module, type) and "n_classes" not in kwargs:
            kwargs["n_classes"] = len(self.classes_)
        self.module_ = self.initialized_instance(self.module, kwargs)
        return self

    def fit(self, X, y, **fit_params):
        """Train the network on labelled flows, from scratch unless ``warm_start``.

        Parameters
        ----------
        X : array-like of shape (n_flows, 3, n_packets)
            Flows in the convention of :mod:`skaug.flows`.
        y : array-like of shape (n_flows,)
            Class labels, of any type.
        **fit_params : dict
            Passed to the split and to the module's ``forward``.

        Returns
        -------
        self : FlowCNN
            The fitted classifier.
        """
        self._check_params()
        warm = self.warm_start and self.initialized_
        X, y = self._check_fit_data(X, y, reset=not warm)
        self._check_augmentation(X, y)
        self._seed_random_streams()
        if not warm:
            self.initialize()
        return self._train(X, y, **fit_params)

    def partial_fit(self, X, y, classes=None, **fit_params):
        """Continue training for ``max_epochs`` epochs, initialising first if needed.

        Parameters
        ----------
        X : array-like of shape (n_flows, 3, n_packets)
            Flows in the convention of :mod:`skaug.flows`.
        y : array-like of shape (n_flows,)
            Class labels, among those of the first fit.
        classes : array-like, default=None
            Unused, accepted for scikit-learn compatibility. Set the ``classes``
            parameter to fix the class list before the first call.
        **fit_params : dict
            Passed to the split and to the module's ``forward``.

        Returns
        -------
        self : FlowCNN
            The fitted classifier.
        """
        self._check_params()
        X, y = self._check_fit_data(X, y, reset=not self.initialized_)
        self._check_augmentation(X, y)
        if not hasattr(self, "generator_"):
            self._seed_random_streams()
        if not self.initialized_:
            self.initialize()
        return self._train(X, y, **fit_params)

    def _train(self, X, y, **fit_params):
        self.notify("on_train_begin", X=X, y=y)
        self.fit_loop(X, y, **fit_params)
        self.notify("on_train_end", X=X, y=y)
        return self

    # Prediction

    def predict_proba(self, X):
        """Estimate the probability of each class for each flow.

        Parameters
        ----------
        X : array-like of shape (n_flows, 3, n_packets)
            Flows in the convention of :mod:`skaug.flows`.

        Returns
        -------
        proba : ndarray of shape (n_flows, n_classes), dtype float32
            Softmax of the network's output, columns in the order of ``classes_``.
        """
        if not is_dataset(X):
            X = check_flows(X)
        return super().predict_proba(X)

    def predict(self, X):
        """Predict the class label of each flow.

        Parameters
        ----------
        X : array-like of shape (n_flows, 3, n_packets)
            Flows in the convention of :mod:`skaug.flows`.

        Returns
        -------
        y_pred : ndarray of shape (n_flows,)
            Labels from ``classes_``, of the type given to :meth:`fit`.
        """
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]

    # scikit-learn compatibility

    def set_params(self, **params):
        """Set parameters, routing ``augmentation__<name>`` to the augmenter.

        Parameters
        ----------
        **params : dict
            Parameters of the classifier, skorch's prefixed parameters and the
            augmenter's parameters as ``augmentation__<name>``.

        Returns
        -------
        self : FlowCNN
        """
        if "augmentation" in params:
            super().set_params(augmentation=params.pop("augmentation"))

        nested = {}
        for key in [key for key in params if key.startswith("augmentation__")]:
            nested[key.removeprefix("augmentation__")] = params.pop(key)
        if nested:
            if not isinstance(self.augmentation, BaseAugmenter):
                raise ValueError(
                    f"Cannot set {sorted(nested)} on augmentation="
                    f"{self.augmentation!r}: it is not an augmenter. Set "
                    "augmentation first, e.g. augmentation=Jitter()."
                )
            self.augmentation.set_params(**nested)

        return super().set_params(**params)

    def __sklearn_is_fitted__(self):
        initialized = bool(getattr(self, "initialized_", False))
        return initialized and hasattr(self, "generator_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.non_deterministic = self.random_state is None
        return tags
