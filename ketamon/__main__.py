"""`python -m ketamon` does what the `ketamon` command does."""

import sys

from ketamon.cli import main

sys.exit(main())
