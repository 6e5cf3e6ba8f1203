"""The exceptions posecore raises for bad input, one type per broken rule.

Every message names the subject (a type name, a distribution, a file, a
config path) and says what to do about it.
"""
from __future__ import annotations


class PosecoreError(Exception):
    """Base of every error posecore raises on purpose."""


class PluginError(PosecoreError):
    """A problem with an installed plugin distribution or a plugin name."""


class PluginNotFoundError(PluginError, KeyError):
    """A ``type`` name that no registry, entry point or parent provides.

    Also a ``KeyError`` because mmengine callers expect one for a missing
    name; ``__str__`` keeps the multi-line message readable.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ''


class PluginConflictError(PluginError):
    """Two or more distributions declare the same name in one group."""


class PluginImportError(PluginError, ImportError):
    """A plugin's entry point failed to load; the cause is chained."""


class PluginVersionError(PluginError):
    """A plugin declares a ``posecore`` range the installed core is outside of."""


class PluginDisabledError(PluginError):
    """A name whose only providers are switched off."""


class RequiredPluginError(PluginError):
    """A config's ``plugins.required`` entries are missing or too old."""


class ConfigError(PosecoreError):
    """A config file that cannot be read or has an invalid structure."""


class UsageError(PosecoreError):
    """A bad command-line argument; the CLI prints it and exits with code 2."""


class DataNotFoundError(PosecoreError, FileNotFoundError):
    """A data root, annotation or detection file that does not exist; for dataset plugins."""


class DataLoadingError(PosecoreError):
    """Too many samples of a batch could not be loaded (unreadable images...)."""


class DataError(PosecoreError, ValueError):
    """A data file (annotations, detections) whose content is invalid; for dataset plugins.

    Also a ``ValueError``, what such errors were before posecore named them.
    """
