"""`python -m orkit.sim`: serve the emulator (what `SimProcess` runs)."""

from __future__ import annotations

import sys

from orkit.sim.cli import main

sys.exit(main())
