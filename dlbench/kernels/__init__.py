"""The compiled kernels: the network (:mod:`.network`), the training loop (:mod:`.loop`), the
compiled dispatch to update rules (:mod:`.dispatch`), sample orders (:mod:`.rng`) and the clock,
compiled by Numba (:mod:`._config`, cached on disk: :mod:`._cache`) and ahead of time into a
native module (:mod:`.native`). Importing this package imports no Numba: the modules that
compile do, and :mod:`.codes`, :mod:`.stamp`, :mod:`.openblas` and :mod:`.native` do not."""
