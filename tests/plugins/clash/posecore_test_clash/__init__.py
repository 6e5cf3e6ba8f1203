"""posecore test plugin."""
