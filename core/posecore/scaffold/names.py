"""The names of a new plugin: distribution, import package and class prefix."""
from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

from posecore.errors import UsageError

#: PEP 508 distribution name (what pip accepts), case-insensitive
_DIST_NAME = re.compile(r'^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$', re.IGNORECASE)
#: import names that would shadow what a plugin itself imports
_RESERVED = frozenset({'posecore', 'torch', 'mmengine', 'numpy', 'cv2', 'pluggy', 'pytest',
                       'tests', 'test', 'configs', 'setuptools'})
#: words dropped from the distribution name to make the class prefix
_GENERIC_WORDS = frozenset({'pose', 'plugin', 'plugins', 'posecore'})


@dataclass(frozen=True)
class PluginNames:
    """How one plugin is named in each place.

    :param dist: the distribution name as given (``pose-plugin-foo``).
    :param package: the import name (``pose_plugin_foo``).
    :param prefix: the class-name prefix of the sample components (``Foo``).
    """

    dist: str
    package: str
    prefix: str

    @property
    def slug(self) -> str:
        """The normalised distribution name (PEP 503), for file and command names."""
        return re.sub(r'[-_.]+', '-', self.dist).lower()


def plugin_names(dist: str) -> PluginNames:
    """Validate ``dist`` and derive the other names from it.

    :param dist: a distribution name: letters, digits, ``-``, ``_``, ``.``,
        starting and ending with a letter or digit (PEP 508); its import
        name (lower case, ``-`` and ``.`` as ``_``) must be a Python identifier.
    :raises UsageError: naming what is accepted.
    """
    if not _DIST_NAME.match(dist):
        raise UsageError(
            f'{dist!r} is not a distribution name pip accepts: use letters, digits, '
            f"'-', '_' and '.', starting and ending with a letter or digit "
            f"(PEP 508), e.g. 'pose-plugin-foo'")
    package = re.sub(r'[-.]+', '_', dist).lower()
    if not package.isidentifier() or keyword.iskeyword(package):
        raise UsageError(
            f'{dist!r} gives the import name {package!r}, which is not a Python identifier: '
            f"the name must not start with a digit, e.g. 'pose-plugin-foo' "
            f"(import name 'pose_plugin_foo')")
    if package in _RESERVED:
        raise UsageError(
            f'{dist!r} gives the import name {package!r}, which would shadow a package '
            f"posecore plugins import; pick another name, e.g. 'pose-plugin-{package}'")
    words = [w for w in re.split(r'[-_.]+', dist.lower()) if w]
    kept = [w for w in words if w not in _GENERIC_WORDS] or words
    prefix = ''.join(w[:1].upper() + w[1:] for w in kept)
    if prefix[0].isdigit():
        prefix = 'P' + prefix  # a class name cannot start with a digit
    return PluginNames(dist=dist, package=package, prefix=prefix)
