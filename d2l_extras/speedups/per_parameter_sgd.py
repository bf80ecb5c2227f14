"""SGD that updates each parameter with its own operator, MXNet's fastest SGD kernel on the CPU."""
import mxnet as mx
import numpy as onp

__all__ = ["PerParameterSGD"]


class PerParameterSGD(mx.optimizer.SGD):
    """MXNet's SGD, updating each parameter with its own ``sgd_update`` (``sgd_mom_update``).

    MXNet's SGD sends every dense parameter to ``multi_sgd_update`` (four at a time by
    default, MXNET_OPTIMIZER_AGGREGATION_SIZE; one at a time with ``aggregate_num = 0``). On
    the CPU ``sgd_update``, MXNet's own kernel for the same formula, is faster, most of all
    for networks with large parameters (AlexNet, VGG). The weights are bit-identical to MXNet's
    default (tested); see docs/benchmarks.md. Mixed precision (float16 weights) and sparse
    arrays take MXNet's path.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.aggregate_num = 0  # the Updater hands over one parameter at a time

    def update(self, index, weight, grad, state):
        if isinstance(index, (list, tuple)) or weight.stype != "default" or grad.stype != "default":
            return super().update(index, weight, grad, state)
        self._update_count(index)
        kwargs = {"lr": self._get_lr(index), "wd": self._get_wd(index), "rescale_grad": self.rescale_grad}
        if self.clip_gradient:
            kwargs["clip_gradient"] = self.clip_gradient
        if state is not None:
            mx.nd.sgd_mom_update(weight, grad, state, out=weight, momentum=self.momentum,
                                 lazy_update=self.lazy_update, **kwargs)
        else:
            mx.nd.sgd_update(weight, grad, out=weight, lazy_update=self.lazy_update, **kwargs)

    def update_multi_precision(self, index, weight, grad, state):
        if self.multi_precision and weight.dtype == onp.float16:
            return super().update_multi_precision(index, weight, grad, state)
        return self.update(index, weight, grad, state)
