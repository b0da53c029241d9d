"""``python -m shared.cli``: the same as the ``sidebyside`` command."""

import sys

from shared.cli import main

sys.exit(main())
