"""The ``posecore`` command line; subcommand modules import heavy packages lazily."""
