"""The usage error every command raises (exit code 2), in a module light enough for `extract`
and `--help` to import without the crawl machinery that `commands.common` brings."""


class UsageError(Exception):
    """A command-line value is malformed (exit code 2)."""
