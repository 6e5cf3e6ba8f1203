"""``posecore coco synth``: the command-line face of :func:`.generate.generate_dataset`.

Import-light: ``posecore --help`` builds this parser, so nothing heavier than
argparse is imported until the command runs.
"""
from __future__ import annotations

import argparse

DESCRIPTION = """\
Generate a synthetic COCO person-keypoints dataset: images of 1-3 articulated
figures (17 COCO keypoints, any pose and facing, occluded and cut by the image
border), laid out like MMPose's data/coco/ (annotations/person_keypoints_*2017.json,
train2017/, val2017/, person_detection_results/*.json with noisy detected boxes),
so a COCO config only changes data_root. The same arguments give the same files,
byte for byte, whatever the number of workers.
"""

EPILOG = """\
example:
  posecore coco synth data/synth_coco --train 2000 --val 500 --seed 0
  # then in a COCO config: data_root='data/synth_coco/'
"""


def _whole(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f'expected a whole number >= {minimum}, got {text!r}') from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f'expected a whole number >= {minimum}, got {value}')
        return value
    return parse


def add_parser(coco_sub: argparse._SubParsersAction) -> None:
    """Add ``synth`` to the subcommands of ``posecore coco``."""
    p = coco_sub.add_parser('synth', help='generate a synthetic COCO person-keypoints dataset',
                            description=DESCRIPTION, epilog=EPILOG,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('out_dir', metavar='OUT_DIR',
                   help='folder to write (created when missing; must be empty unless --overwrite)')
    p.add_argument('--train', type=_whole(0), default=2000, metavar='N',
                   help='number of training images (default: 2000; 0 writes no train split)')
    p.add_argument('--val', type=_whole(0), default=500, metavar='M',
                   help='number of validation images (default: 500; 0 writes no val split)')
    p.add_argument('--seed', type=_whole(0), default=0, metavar='S',
                   help='seed of the dataset (default: 0)')
    p.add_argument('--size', type=_whole(64), default=256, metavar='PX',
                   help='longer image side in pixels, 64..4096 (default: 256)')
    p.add_argument('--workers', type=_whole(1), default=None, metavar='W',
                   help='worker processes (default: the number of CPUs)')
    p.add_argument('--overwrite', action='store_true',
                   help="replace the generator's outputs in a non-empty OUT_DIR "
                        '(other files there are kept)')
    p.add_argument('--quiet', action='store_true', help='no progress bar')
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``posecore coco synth``; bad arguments raise posecore's ``UsageError``."""
    from posecore.errors import PosecoreError, UsageError

    from .generate import generate_dataset

    try:
        summary = generate_dataset(args.out_dir, train=args.train, val=args.val, seed=args.seed,
                                   size=args.size, workers=args.workers, overwrite=args.overwrite,
                                   progress=not args.quiet)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise PosecoreError(f'cannot write the dataset under {args.out_dir!r}: {exc}') from exc
    print(summary.text())
    return 0
