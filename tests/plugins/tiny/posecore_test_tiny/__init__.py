"""posecore test plugin: every name is declared by an entry point, none imported here."""
