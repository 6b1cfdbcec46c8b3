"""The names the command line offers as choices, importable without the registries.

``dlbench --help`` builds its choices (``--optimizer``, ``--schedule``) from these, so it does not
import the optimizer and schedule modules. :data:`dlbench.optimizers.OPTIMIZERS` and
:data:`dlbench.schedules.SCHEDULES` hold the same names in the same order; a test
(``tests/test_cli_choices.py``) keeps them equal, so adding an optimizer means adding its name here.
"""

OPTIMIZER_NAMES = (
    "gd", "sgd", "minibatch", "dynamic", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta",
    "adam", "amsgrad", "adamw", "adamax", "nadam", "radam", "rprop", "lion", "lars", "lbfgs",
    "adabelief", "yogi", "adan", "adopt", "ademamix", "asgd", "adafactor", "lamb", "muon", "mars",
    "prodigy", "schedulefree-sgd", "schedulefree-adamw", "shampoo", "soap", "lookahead", "sam",
)

SCHEDULE_NAMES = (
    "constant", "bold-driver", "step", "multistep", "exponential", "polynomial", "cosine",
    "cosine-restarts", "linear-warmup", "onecycle", "cyclic", "wsd", "plateau", "invscaling",
    "adaptive",
)
