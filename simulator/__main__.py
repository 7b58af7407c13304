"""``python -m simulator`` is ``ccsync up``."""

from ccsync.cli import main

raise SystemExit(main(["up", *__import__("sys").argv[1:]]))
