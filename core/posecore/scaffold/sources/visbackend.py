"""The sample visualization backend of ``posecore plugin new --registry visbackends``."""
from __future__ import annotations

MODULE = 'visbackend'
CLASS = '@Prefix@CsvVisBackend'
#: the generated config lists it in ``vis_backends``
CONFIG = "dict(type='@Prefix@CsvVisBackend')"

SOURCE = '''\
"""``@Prefix@CsvVisBackend``: the logged scalars as one CSV file."""
from __future__ import annotations

import csv
import os
import os.path as osp
from typing import Any, Optional

from mmengine.visualization.vis_backend import BaseVisBackend, force_init_env


class @Prefix@CsvVisBackend(BaseVisBackend):
    """Append every scalar (losses, learning rate, metrics) to ``save_dir/filename``
    as a ``step,name,value`` row; any spreadsheet or pandas reads it.

    :param save_dir: the folder (the Runner gives its ``vis_data`` folder).
    :param filename: the CSV file name.
    """

    def __init__(self, save_dir: str, filename: str = 'scalars.csv') -> None:
        super().__init__(save_dir)
        self.filename = filename
        self.path = osp.join(save_dir, filename)

    def _init_env(self) -> None:
        os.makedirs(self._save_dir, exist_ok=True)
        if not osp.exists(self.path):
            with open(self.path, 'w', newline='', encoding='utf-8') as f:
                csv.writer(f).writerow(['step', 'name', 'value'])

    @property  # type: ignore[misc]
    @force_init_env
    def experiment(self) -> '@Prefix@CsvVisBackend':
        """The backend itself (there is no third-party writer object)."""
        return self

    @force_init_env
    def add_scalar(self, name: str, value: Any, step: int = 0, **kwargs: Any) -> None:
        """Append one ``step,name,value`` row."""
        self.add_scalars({name: value}, step)

    @force_init_env
    def add_scalars(self, scalar_dict: dict, step: int = 0,
                    file_path: Optional[str] = None, **kwargs: Any) -> None:
        """Append a row per number of ``scalar_dict`` (other values are skipped)."""
        with open(self.path, 'a', newline='', encoding='utf-8') as f:
            writer = csv.writer(f)
            for name, value in scalar_dict.items():
                if hasattr(value, 'item'):  # a one-value tensor or array
                    value = value.item()
                if isinstance(value, (int, float)):
                    writer.writerow([step, name, value])
'''

TEST = '''\
"""``@Prefix@CsvVisBackend``: writes the scalars it is given."""
from __future__ import annotations

import csv

from posecore.registry import VISBACKENDS

DIST = '@dist@'


def test_appends_one_row_per_scalar(posecore_plugins, tmp_path):
    posecore_plugins(DIST)
    backend = VISBACKENDS.build(dict(type='@Prefix@CsvVisBackend', save_dir=str(tmp_path)))
    backend.add_scalars(dict(loss=0.5, lr=1e-3, name='skipped'), step=1)
    backend.add_scalar('loss', 0.25, step=2)
    with open(tmp_path / 'scalars.csv', newline='') as f:
        rows = list(csv.reader(f))
    assert rows == [['step', 'name', 'value'], ['1', 'loss', '0.5'], ['1', 'lr', '0.001'],
                    ['2', 'loss', '0.25']]
'''
