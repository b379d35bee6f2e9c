"""``python -m juesuan``: the same as the ``juesuan`` command."""

from juesuan.cli import main

main()
