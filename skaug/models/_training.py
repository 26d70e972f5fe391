"""The training loop of FlowCNN: split, batch order and online augmentation."""

import numpy as np
import torch
from skorch.dataset import ValidSplit, unpack_data
from skorch.utils import data_from_dataset, to_numpy
from torch.utils.data import RandomSampler, SequentialSampler

from ._sampler import make_batch_loader, make_class_weighted_sampler

__all__ = ["OnlineAugmentationMixin"]

# Seeds drawn from the fit's generator for torch, the validation split and the
# sampler stay below 2**31 so that every consumer accepts them.
MAX_SEED = 2**31 - 1


class OnlineAugmentationMixin:
    """Override skorch's training loop to split first, then augment each batch.

    Mixed into :class:`skaug.FlowCNN` before skorch's ``NeuralNetClassifier``. It
    reads the classifier's ``augmentation``, ``policy``, ``replace_p``,
    ``class_weighted_sampler``, ``validation_fraction`` and ``train_split``
    parameters and its ``generator_`` and ``validation_seed_`` attributes.
    """

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        """Run the epochs of training and validation until early stopping.

        Parameters
        ----------
        X : ndarray of shape (n_flows, 3, n_packets)
            Validated flows.
        y : ndarray of shape (n_flows,), dtype int64
            Class indices into ``classes_``.
        epochs : int, default=None
            Number of epochs. ``None`` uses ``max_epochs``.
        **fit_params : dict
            Passed to the split and to the module's ``forward``.

        Returns
        -------
        self : FlowCNN
        """
        # NOTE: fit_params go to both the split and the module, as in skorch without
        # scikit-learn's metadata routing, which this loop does not implement.
        self.check_training_readiness()
        epochs = self.max_epochs if epochs is None else epochs

        dataset_train, dataset_valid = self.get_split_datasets(X, y, **fit_params)
        epoch_kwargs = {"dataset_train": dataset_train, "dataset_valid": dataset_valid}
        iterator_train = self.get_iterator(dataset_train, training=True)
        iterator_valid = None
        if dataset_valid is not None:
            iterator_valid = self.get_iterator(dataset_valid, training=False)

        self.stop_training_ = False
        for _ in range(epochs):
            self.notify("on_epoch_begin", **epoch_kwargs)
            self.run_single_epoch(
                iterator_train, True, "train", self.train_step, **fit_params
            )
            self.run_single_epoch(
                iterator_valid, False, "valid", self.validation_step, **fit_params
            )
            self._end_epoch(epoch_kwargs)
            if self.stop_training_:
                break
        return self

    def _end_epoch(self, epoch_kwargs):
        try:
            self.notify("on_epoch_end", **epoch_kwargs)
        except KeyboardInterrupt:
            # skorch's own EarlyStopping, when passed in callbacks, stops this way.
            # NOTE: a Ctrl-C that lands inside on_epoch_end also ends training here
            # instead of propagating.
            self.stop_training_ = True

    def get_split_datasets(self, X, y=None, **fit_params):
        if not (isinstance(self.train_split, str) and self.train_split == "auto"):
            return super().get_split_datasets(X, y, **fit_params)

        dataset = self.get_dataset(X, y)
        if self.validation_fraction is None:
            return dataset, None
        _check_validation_counts(
            y, self.validation_fraction, getattr(self, "classes_", None)
        )
        split = ValidSplit(
            self.validation_fraction,
            stratified=True,
            random_state=getattr(self, "validation_seed_", None),
        )
        return split(dataset, y, **fit_params)

    def get_iterator(self, dataset, training=False):
        prefix = "iterator_train" if training else "iterator_valid"
        kwargs = self.get_params_for(prefix)
        for key in ("shuffle", "sampler", "batch_sampler"):
            if key in kwargs:
                raise ValueError(
                    f"{type(self).__name__} sets the order of the flows itself, got "
                    f"{prefix}__{key}={kwargs[key]!r}. Remove it and use "
                    "class_weighted_sampler to choose the training order."
                )

        batch_size = kwargs.pop("batch_size", self.batch_size)
        if batch_size == -1:
            batch_size = len(dataset)
        sampler = self._training_sampler(dataset) if training else None
        if sampler is None:
            sampler = SequentialSampler(dataset)
        loader = self.iterator_train if training else self.iterator_valid
        return make_batch_loader(dataset, sampler, batch_size, loader=loader, **kwargs)

    def _training_sampler(self, dataset):
        if not hasattr(self, "generator_"):
            self._seed_random_streams()
        seed = int(self.generator_.integers(MAX_SEED))
        torch_generator = torch.Generator().manual_seed(seed)

        if not self.class_weighted_sampler:
            return RandomSampler(dataset, generator=torch_generator)
        _, y = data_from_dataset(dataset)
        return make_class_weighted_sampler(to_numpy(y), generator=torch_generator)

    def train_step(self, batch, **fit_params):
        if self.augmentation is not None:
            batch = self._augment_batch(batch)
        return super().train_step(batch, **fit_params)

    def _augment_batch(self, batch):
        X, y = unpack_data(batch)
        X_numpy, y_numpy = X.numpy(), y.numpy()

        if self.policy == "inject":
            X_augmented = self.augmentation.augment(
                X_numpy, y_numpy, random_state=self.generator_, check_input=False
            )
            return torch.cat([X, torch.from_numpy(X_augmented)]), torch.cat([y, y])

        replace = self.generator_.random(len(X_numpy)) < self.replace_p
        if not replace.any():
            return X, y
        X_augmented = self.augmentation.augment(
            X_numpy[replace],
            y_numpy[replace],
            random_state=self.generator_,
            check_input=False,
        )
        X = X.clone()
        X[torch.from_numpy(replace)] = torch.from_numpy(X_augmented)
        return X, y


def _check_validation_counts(y, validation_fraction, class_names=None):
    """Reject labels that a stratified validation split cannot divide.

    ``y`` contains encoded labels, and ``class_names`` maps them back for the message.
    """
    classes, counts = np.unique(np.asarray(y), return_counts=True)
    if counts.min() < 2:
        rare = classes[counts < 2]
        if class_names is not None:
            rare = np.asarray(class_names)[rare]
        rare = rare.tolist()
        raise ValueError(
            f"The stratified validation split (validation_fraction="
            f"{validation_fraction}) needs at least 2 flows per class, but classes "
            f"{rare} have 1. Add flows of those classes, drop them, or pass "
            "validation_fraction=None to train without a validation set."
        )
