"""``python -m deploy.demo``: load the demo trips (see ``deploy.demo.load``)."""

import sys

from deploy.demo.load import main

sys.exit(main())
