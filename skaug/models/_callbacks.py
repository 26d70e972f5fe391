"""Training callbacks of FlowCNN: early stopping by flag, accuracy on encoded labels."""

import numpy as np
from skorch.callbacks import EarlyStopping
from skorch.utils import to_numpy

__all__ = ["FlagEarlyStopping", "encoded_accuracy"]


class FlagEarlyStopping(EarlyStopping):
    """Stop training when the monitored score stops improving, without an exception.

    skorch's :class:`~skorch.callbacks.EarlyStopping` ends training by raising
    ``KeyboardInterrupt``, which the training loop then has to catch, so a real
    Ctrl-C at the wrong moment ends training silently instead of interrupting it.
    This subclass keeps the same parameters and threshold rule but sets
    ``net.stop_training_ = True``, which :class:`skaug.FlowCNN` checks after each
    epoch. With ``load_best=True`` the module weights of the best epoch are restored
    when training ends.
    """

    def on_epoch_end(self, net, **kwargs):
        current_score = net.history[-1, self.monitor]
        if self._is_score_improved(current_score):
            self.misses_ = 0
            self.dynamic_threshold_ = self._calc_new_threshold(current_score)
            self.best_epoch_ = net.history[-1, "epoch"]
            if self.load_best:
                self.best_model_weights_ = {
                    name: value.detach().clone()
                    for name, value in net.module_.state_dict().items()
                }
        else:
            self.misses_ += 1

        if self.misses_ >= self.patience:
            self._sink(
                f"Stopping since {self.monitor} has not improved in the last "
                f"{self.patience} epochs.",
                verbose=net.verbose,
            )
            net.stop_training_ = True


def encoded_accuracy(net, X, y):
    """Score the share of flows whose predicted class index equals ``y``.

    skorch's scoring callbacks pass the labels as the network saw them (class
    indices), while :meth:`skaug.FlowCNN.predict` returns the original labels, so
    the validation accuracy compares indices.
    """
    y_pred = net.predict_proba(X).argmax(axis=1)
    return float(np.mean(y_pred == to_numpy(y)))
