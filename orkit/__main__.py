import sys

from orkit.cli import main

sys.exit(main())
