"""The replay's one failure: a URL the recorded archive does not have (never fetched instead)."""


class NotInWarc(Exception):
    """Neither the WARC files nor the stored media hold this URL; reason code `not_in_warc`."""
