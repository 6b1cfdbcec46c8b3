"""Numba kernels: the network (:mod:`.network`), the training loop (:mod:`.loop`), the
compiled dispatch to update rules (:mod:`.dispatch`), sample orders (:mod:`.rng`) and the clock."""

from ._cache import install as _install_cache

_install_cache()
