"""``python -m dlbench``: the same as the ``dlbench`` command."""

from .cli import main

if __name__ == "__main__":
    main()
