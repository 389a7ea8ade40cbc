"""`python -m portal.cli` runs the `portal` command."""

import sys

from portal.cli import main

sys.exit(main())
