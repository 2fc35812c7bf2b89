"""``python -m mga``: the ``mga`` command, for a machine where the installed script is not on the PATH."""

from mga.cli import main

if __name__ == "__main__":
    main()
