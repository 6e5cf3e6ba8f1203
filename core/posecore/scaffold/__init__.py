"""``posecore plugin new``: write a complete, working plugin distribution.

Modules: :mod:`.names` (validating and deriving the names), :mod:`.sources`
(the source and test text of one sample component per registry, and of the
pluggy hook module), :mod:`.project` (pyproject, README, config, writing
the files). Nothing is imported here: the CLI stays light.
"""
