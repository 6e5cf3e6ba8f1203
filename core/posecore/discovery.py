"""The index of installed plugin distributions, read from metadata only.

Nothing here imports plugin code until :meth:`PluginIndex.load` is called for
one entry point. Switches follow pytest's boot order: blocks (environment,
``-p no:DIST``, the config's ``plugins.disable``) are applied before any name
is resolved.
"""
from __future__ import annotations

import importlib
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Mapping, NamedTuple

from posecore.errors import PluginImportError, PluginVersionError

#: registry key -> entry-point group
REGISTRY_GROUPS: dict[str, str] = {
    key: f'posecore.{key}'
    for key in ('datasets', 'transforms', 'models', 'visualizers',
                'visbackends', 'metrics', 'keypoint_codecs', 'hooks')
}
#: modules with pluggy hook implementations (import-light by contract)
HOOK_GROUP = 'posecore.plugins'
ALL_GROUPS = (*REGISTRY_GROUPS.values(), HOOK_GROUP)

ENV_DISABLE_AUTOLOAD = 'POSECORE_DISABLE_PLUGIN_AUTOLOAD'
ENV_PLUGINS = 'POSECORE_PLUGINS'
ENV_DISABLE = 'POSECORE_DISABLE_PLUGINS'


#: ``name [extras] specifier`` of a Requires-Dist line without a marker
_REQUIREMENT = re.compile(r'\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?(.*)$')


def normalize_dist(name: str) -> str:
    """PEP 503 form of a distribution name: ``Pose_Plugin.X`` -> ``pose-plugin-x``."""
    return re.sub(r'[-_.]+', '-', name).lower()


def _split_env_list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or '').split(',') if part.strip()]


@dataclass(frozen=True)
class PluginEntry:
    """One entry point of a plugin distribution."""

    name: str
    group: str
    value: str
    dist: str
    version: str

    @property
    def registry(self) -> str:
        """The registry key (``models``) or ``plugins`` for pluggy modules."""
        return self.group.split('.', 1)[1]

    @property
    def qualified(self) -> str:
        """The spelling that names this provider unambiguously."""
        return f'{self.dist}::{self.name}'

    @property
    def module(self) -> str:
        return self.value.partition(':')[0].strip()


@dataclass
class PluginDistribution:
    """A distribution that declares at least one ``posecore.*`` entry point."""

    name: str
    version: str
    entries: list[PluginEntry] = field(default_factory=list)
    requires: list[str] = field(default_factory=list)
    #: the metadata folder it was read from (None for distributions given in tests)
    path: str | None = None
    #: ``(version, metadata folder)`` of other versions later on ``sys.path``
    shadowed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def key(self) -> str:
        return normalize_dist(self.name)

    def posecore_specifier(self) -> str | None:
        """The version specifier (``'>=0.1,<0.2'``, ``''`` for any) of this
        distribution's requirement on ``posecore``, or None without one."""
        for line in self.requires:
            if ';' in line:  # an environment marker: packaging evaluates it (slower import)
                from packaging.requirements import Requirement

                req = Requirement(line)
                if (normalize_dist(req.name) == 'posecore'
                        and req.marker.evaluate({'extra': ''})):
                    return str(req.specifier)
                continue
            match = _REQUIREMENT.match(line)
            if match and normalize_dist(match.group(1)) == 'posecore':
                spec = match.group(2).strip().strip('()').strip()
                return '' if spec.startswith('@') else spec  # a direct URL: any version
        return None


class _EntryPoint(NamedTuple):
    name: str
    value: str
    group: str


class _MetadataDir:
    """One ``*.dist-info`` / ``*.egg-info`` folder, read the way ``_scan`` needs.

    It offers the few attributes of ``importlib.metadata.Distribution`` that
    ``_scan`` uses, read directly: importing importlib.metadata and parsing
    every METADATA with the email package costs more than the whole start-up
    budget of ``posecore plugins list``.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._headers: dict[str, list[str]] | None = None
        #: what is wrong with this folder's metadata, one sentence each
        self.problems: list[str] = []

    def _problem(self, fname: str, text: str) -> None:
        self.problems.append(f'{os.path.join(self.path, fname)}: {text}')

    @property
    def entry_points(self) -> list[_EntryPoint]:
        fname = 'entry_points.txt'
        try:
            with open(os.path.join(self.path, fname), 'rb') as f:
                data = f.read()
        except OSError:
            return []
        if b'[posecore' not in data:
            return []
        try:
            text = data.decode('utf-8')
        except UnicodeDecodeError as exc:
            line = data[:exc.start].count(b'\n') + 1
            self._problem(fname, f'is not UTF-8 text (line {line}); '
                                 f'its posecore entry points are ignored: reinstall the '
                                 f'distribution (pip install --force-reinstall).')
            return []
        eps, group = [], None
        for number, line in enumerate(map(str.strip, text.splitlines()), 1):
            if not line or line[0] in '#;':
                continue
            where = f'line {number} {line!r}'
            if line[0] == '[':
                group = line[1:-1].strip() if line[-1] == ']' else None
                if line[-1] != ']' and line[1:].strip().startswith('posecore'):
                    self._problem(fname, f'{where}: the group header has no closing "]"; the '
                                         f'lines under it are ignored until the next header: '
                                         f'fix the plugin\'s metadata and reinstall it.')
                elif group and group.startswith('posecore') and group not in ALL_GROUPS:
                    import difflib

                    # other groups may be another tool's (posecore.inference_backends):
                    # only a near miss of a registry group is a typo
                    close = difflib.get_close_matches(group, ALL_GROUPS, n=1, cutoff=0.9)
                    if close:
                        self._problem(fname, f'{where}: group {group!r} is not a posecore group '
                                             f'(did you mean {close[0]}?); its entry points are '
                                             f'ignored: fix the plugin\'s metadata and reinstall '
                                             f'it.')
                continue
            if group not in ALL_GROUPS:
                continue
            name, sep, value = (part.strip() for part in line.partition('='))
            if not sep:
                self._problem(fname, f'{where} in [{group}] is not NAME = module:attr; it is '
                                     f'ignored: fix the plugin\'s metadata and reinstall it.')
            elif not name:
                self._problem(fname, f'{where} in [{group}]: an entry point with no name '
                                     f'(expected NAME = {value}); it is ignored: fix the '
                                     f'plugin\'s metadata and reinstall it.')
            elif not value or not value.partition(':')[0].strip():
                self._problem(fname, f'{where} in [{group}]: entry point {name!r} has no '
                                     f'module:attr value; it is ignored: fix the plugin\'s '
                                     f'metadata and reinstall it.')
            else:
                eps.append(_EntryPoint(name, value, group))
        return eps

    @property
    def has_metadata(self) -> bool:
        """Whether the folder holds a readable METADATA (or PKG-INFO) file."""
        self._header('Name')
        return bool(self._headers)

    def _header(self, key: str) -> list[str]:
        if self._headers is None:
            self._headers = {}
            for fname in ('METADATA', 'PKG-INFO'):
                try:
                    with open(os.path.join(self.path, fname), encoding='utf-8') as f:
                        for line in f:
                            if not line.strip():
                                break  # the body (description) follows the headers
                            hkey, sep, value = line.partition(':')
                            if sep and not line[0].isspace():
                                self._headers.setdefault(hkey, []).append(value.strip())
                    break
                except OSError:
                    continue
                except UnicodeDecodeError:
                    self._headers = {}
                    self._problem(fname, 'is not UTF-8 text; the distribution is ignored: '
                                         'reinstall it (pip install --force-reinstall).')
                    break
            else:
                self._problem('METADATA', 'is missing (no METADATA or PKG-INFO file: an '
                                          'incomplete installation); the distribution is '
                                          'ignored: reinstall it (pip install '
                                          '--force-reinstall), or delete the folder.')
        return self._headers.get(key, [])

    @property
    def metadata(self) -> dict[str, str]:
        return {'Name': (self._header('Name') or [''])[0]}

    @property
    def version(self) -> str:
        return (self._header('Version') or ['0'])[0]

    @property
    def requires(self) -> list[str]:
        return self._header('Requires-Dist')


def _installed(paths: Iterable[str]) -> Iterator[_MetadataDir]:
    """Metadata folders on ``paths`` (``sys.path``), in import order."""
    for entry in paths:
        try:
            names = sorted(os.listdir(entry or '.'))
        except OSError:  # a zip file or a missing folder
            continue
        for name in names:
            if name.endswith(('.dist-info', '.egg-info')):
                yield _MetadataDir(os.path.join(entry or '.', name))


def _scan(dists: Iterable, problems: list[str] | None = None) -> dict[str, PluginDistribution]:
    """Plugin distributions by normalised name; metadata faults are appended to ``problems``."""
    found: dict[str, PluginDistribution] = {}
    problems = [] if problems is None else problems
    for dist in dists:
        eps = [ep for ep in dist.entry_points if ep.group in ALL_GROUPS]
        broken = getattr(dist, 'problems', [])
        if eps and getattr(dist, 'has_metadata', True) is False:
            eps = []  # no name, no version: nothing to index it under
        problems.extend(broken)
        if not eps:
            continue
        name = dist.metadata['Name'] or os.path.basename(dist.path).split('-')[0]
        key = normalize_dist(name)
        if key in found:  # shadowed by an earlier sys.path entry, as import does
            first = found[key]
            if dist.version != first.version:
                first.shadowed.append((dist.version, getattr(dist, 'path', '?')))
            continue
        info = PluginDistribution(name, dist.version, requires=list(dist.requires or []),
                                  path=getattr(dist, 'path', None))
        info.entries = [PluginEntry(ep.name, ep.group, ep.value, name, dist.version)
                        for ep in eps]
        found[key] = info
    return found


class PluginIndex:
    """Installed plugin distributions, their entry points and the switches.

    :param distributions: what to index (objects with the attributes of
        ``importlib.metadata.Distribution`` that ``_scan`` reads); defaults
        to every distribution installed on ``sys.path``.
    :param environ: where to read the ``POSECORE_*`` switches from.
    """

    def __init__(self, distributions: Iterable | None = None,
                 environ: Mapping[str, str] | None = None) -> None:
        self._scans_sys_path = distributions is None
        #: metadata faults found while scanning, one sentence each naming the file
        self.problems: list[str] = []
        self._key2dist = _scan(_installed(sys.path) if distributions is None else distributions,
                               self.problems)
        self._blocked: dict[str, str] = {}
        environ = os.environ if environ is None else environ
        self._autoload = environ.get(ENV_DISABLE_AUTOLOAD, '').strip() in ('', '0')
        self._allowed = set()
        for name in _split_env_list(environ.get(ENV_PLUGINS)):
            self._allowed.add(normalize_dist(name))
            self.warn_unknown(name, f'{ENV_PLUGINS}={name}', 'switched on')
        for name in _split_env_list(environ.get(ENV_DISABLE)):
            self.block(name, f'listed in {ENV_DISABLE}')

    def refresh(self) -> bool:
        """Scan ``sys.path`` again (after a ``pip install`` in this process).

        The switches are kept. Returns whether the installed plugins changed.
        """
        if not self._scans_sys_path:
            return False
        importlib.invalidate_caches()  # new modules on sys.path become importable
        problems: list[str] = []
        found = _scan(_installed(sys.path), problems)
        self.problems = problems
        changed = {k: (d.version, len(d.entries)) for k, d in found.items()} != {
            k: (d.version, len(d.entries)) for k, d in self._key2dist.items()}
        self._key2dist = found
        return changed

    # -- switches -------------------------------------------------------
    def block(self, dist: str, reason: str) -> None:
        """Switch a distribution off; its names then resolve nowhere.

        A name no installed plugin distribution has (a typo) is warned about.
        """
        self._blocked[normalize_dist(dist)] = reason
        self.warn_unknown(dist, reason, 'switched off')

    def unblock(self, dist: str) -> None:
        """Switch a distribution (back) on, e.g. ``-p DIST`` with autoload off."""
        self._blocked.pop(normalize_dist(dist), None)
        self._allowed.add(normalize_dist(dist))
        self.warn_unknown(dist, f'-p {dist}', 'switched on')

    def warn_unknown(self, dist: str, source: str, action: str) -> bool:
        """Warn when a switch names no installed plugin distribution, with close matches.

        :param dist: the name as the user wrote it.
        :param source: where it was written (``-p no:NAME``, an environment variable...).
        :param action: what the switch would have done (``'switched off'``).
        :returns: whether the name is unknown.
        """
        key = normalize_dist(dist)
        if key in self._key2dist:
            return False
        import difflib
        import warnings

        close = difflib.get_close_matches(key, sorted(self._key2dist), n=3, cutoff=0.6)
        hint = (f'did you mean {" or ".join(close)}?' if close else
                f'installed: {", ".join(sorted(self._key2dist)) or "none"}')
        warnings.warn(f'posecore: warning: {source}: {dist!r} is not an installed plugin '
                      f'distribution, so nothing was {action}; {hint}', stacklevel=3)
        return True

    def is_blocked(self, dist: str) -> str | None:
        """The reason a distribution is switched off, or None when it is on."""
        key = normalize_dist(dist)
        if key in self._blocked:
            return self._blocked[key]
        if not self._autoload and key not in self._allowed:
            return f'{ENV_DISABLE_AUTOLOAD} is set and it is not listed in {ENV_PLUGINS}'
        return None

    def problems_note(self) -> str:
        """The metadata faults as lines to append to a not-found error, or ``''``."""
        if not self.problems:
            return ''
        return ('\nInstalled plugin metadata is broken, which may be why:\n  - '
                + '\n  - '.join(self.problems))

    # -- queries --------------------------------------------------------
    def distributions(self, include_blocked: bool = True) -> list[PluginDistribution]:
        """Indexed distributions, sorted by name."""
        dists = sorted(self._key2dist.values(), key=lambda d: d.key)
        return [d for d in dists if include_blocked or not self.is_blocked(d.name)]

    def distribution(self, name: str) -> PluginDistribution | None:
        return self._key2dist.get(normalize_dist(name))

    def entries(self, group: str | None = None,
                include_blocked: bool = False) -> list[PluginEntry]:
        """Entry points, optionally of one group, of the switched-on distributions."""
        return [e for d in self.distributions(include_blocked) for e in d.entries
                if group is None or e.group == group]

    def providers(self, group: str, name: str,
                  include_blocked: bool = False) -> list[PluginEntry]:
        """Every entry point named ``name`` in ``group``."""
        return [e for e in self.entries(group, include_blocked) if e.name == name]

    def version_problem(self, dist: str) -> str | None:
        """Why the installed posecore is outside the distribution's range, or None."""
        from packaging.specifiers import SpecifierSet  # deferred: start-up time

        from posecore import __version__

        info = self.distribution(dist)
        spec = info.posecore_specifier() if info else None
        if not spec or SpecifierSet(spec).contains(__version__, prereleases=True):
            return None
        return (f"{info.name} {info.version} requires 'posecore{spec}', but posecore "
                f"{__version__} is installed: install a posecore in that range "
                f"(pip install 'posecore{spec}') or a {info.name} release that supports "
                f'posecore {__version__}')

    # -- loading --------------------------------------------------------
    def load(self, entry: PluginEntry) -> object:
        """Import the object an entry point names.

        :raises PluginVersionError: the distribution does not support this posecore.
        :raises PluginImportError: importing failed; the cause is chained.
        """
        problem = self.version_problem(entry.dist)
        if problem:
            raise PluginVersionError(f'{entry.qualified} was refused: {problem}.')
        info = self.distribution(entry.dist)
        if info is not None and info.shadowed:
            others = ', '.join(f'{v} at {p!r}' for v, p in info.shadowed)
            raise PluginVersionError(
                f'{entry.qualified} was refused: distribution {info.name} is installed more '
                f'than once on sys.path: {info.version} at {info.path!r} (the one imported) '
                f'and {others}; which code runs is an accident of the path order: uninstall '
                f'all but one (pip uninstall {info.name}, then install the version you want), '
                f'or remove the other folder from PYTHONPATH.')
        module_name, _, attr = entry.value.partition(':')
        attr = attr.split('[', 1)[0].strip()  # drop an '[extras]' suffix
        try:
            obj = importlib.import_module(module_name.strip())
            for part in filter(None, attr.split('.')):
                obj = getattr(obj, part)
        except Exception as exc:
            raise PluginImportError(
                f'entry point {entry.name} = {entry.value!r} (group {entry.group!r}) of '
                f'distribution {entry.dist} {entry.version} failed to load: '
                f'{type(exc).__name__}: {exc}. Only the names {entry.dist} provides are '
                f'affected; fix or reinstall it, or switch it off with '
                f'{ENV_DISABLE}={entry.dist} or -p no:{entry.dist}.') from exc
        return obj


_index: PluginIndex | None = None


def get_index() -> PluginIndex:
    """The process-wide index, built on first use."""
    global _index
    if _index is None:
        _index = PluginIndex()
    return _index


def reset_index(index: PluginIndex | None = None) -> None:
    """Replace the process-wide index (tests; after installing a distribution)."""
    global _index
    _index = index
