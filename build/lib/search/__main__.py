"""``python -m search``: the same as the ``search`` command."""

from .cli import main

main(prog_name="search")
