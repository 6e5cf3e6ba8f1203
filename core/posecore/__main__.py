"""``python -m posecore``: the same as the ``posecore`` command."""
import sys

from posecore.cli.main import main

sys.exit(main())
