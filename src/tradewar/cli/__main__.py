"""``python -m tradewar.cli``: the ``tradewar`` command."""

from tradewar.cli import main

main()
