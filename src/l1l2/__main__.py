"""``python -m l1l2``: the command line of :mod:`l1l2._cli` (also installed as ``l1l2``)."""
import sys

from l1l2._cli import main

sys.exit(main())
