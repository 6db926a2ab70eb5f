"""`python main.py` does what the `ketamon` command does."""

import sys

from ketamon.cli import main

if __name__ == "__main__":
    sys.exit(main())
