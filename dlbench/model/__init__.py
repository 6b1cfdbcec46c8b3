"""The network: its parameters and their initialisation (see :mod:`dlbench.model.params`)."""

from .params import INITS, Params, init_params, n_params

__all__ = ["Params", "init_params", "INITS", "n_params"]
