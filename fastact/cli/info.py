"""``python -m fastact info``: the build and runtime configuration."""

HELP = "show the build and runtime configuration (version, compiler, OpenMP, threads, ISA)"


def add_arguments(parser):
    pass


def run(args):
    from .. import show_config

    show_config()
    return 0
