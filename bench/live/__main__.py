"""``python -m bench.live``: the command line is in bench/live/cli.py."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
