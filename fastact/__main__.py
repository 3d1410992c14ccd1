"""``python -m fastact``: the command-line entry point.

Each subcommand lives in its own module under ``fastact.cli`` exposing ``HELP`` (one line),
``add_arguments(parser)`` and ``run(args) -> exit status``; ``COMMANDS`` lists them.
"""

import argparse
import importlib
import sys

COMMANDS = {
    "info": "fastact.cli.info",
    "bench": "fastact.cli.bench",
    "train": "fastact.cli.train",
    "explore": "fastact.cli.explore",
}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m fastact",
                                     description="fastact: compiled CPU kernels for "
                                                 "activations and normalization.")
    sub = parser.add_subparsers(dest="command", metavar="command")
    sub.required = True
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(run=module.run)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
