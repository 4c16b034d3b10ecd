"""The container's entry: the runner starts this with INPUT_*, GITHUB_* and the event payload."""

import signal
import sys

from schemagate.action import main
from schemagate.database.server.hardening import hide_process_environment
from schemagate.errors import terminate

if __name__ == "__main__":
    # a cancelled workflow, or `docker stop`: the running migration rolls back and the lock goes
    signal.signal(signal.SIGTERM, terminate)
    hide_process_environment()  # before anything the pull request brings runs
    sys.exit(main())
