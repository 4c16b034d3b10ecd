"""`python -m schemagate.action`: the Action, as the container's entry point runs it."""

import sys

from schemagate.action import main

sys.exit(main())
