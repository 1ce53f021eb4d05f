import sys

from l1l2._cli import main

sys.exit(main())
