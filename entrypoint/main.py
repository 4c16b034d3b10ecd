"""The container's entry: the runner starts this with INPUT_*, GITHUB_* and the event payload."""

import signal
import sys

from schemagate.action import main


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # a cancelled workflow: unwind, roll back, release the lock


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    sys.exit(main())
