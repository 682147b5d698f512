"""Exceptions of movierec. Bad input raises ValueError (or its subclass DataError),
a missing file FileNotFoundError, an unsupported operation NotSupported."""

import re

_WHERE = re.compile(r"^(?P<file>[^:\n]+?):(?P<line>\d+): (?:field '(?P<field>[^']*)')?")
_FILE_ONLY = re.compile(r"^(?P<file>[^:\n\s]+\.\w+): ")


class DataError(ValueError):
    """Bad input data. The message names where, what was expected and what was found:
    ``ratings.csv:1043: field 'rating': expected a number in [0.5, 5], got "five"``.

    Attributes
    ----------
    file : str or None
        The file (or ``<DataFrame>``, ``<arrays>`` for data given in memory).
    line : int or None
        1-based line of the file (row + 1 for data in memory).
    field : str or None
        The column at fault ("rating", "movieId"...).
    """

    def __init__(self, message):
        super().__init__(message)
        self.file = self.line = self.field = None
        m = _WHERE.match(message)
        if m:
            self.file, self.line, self.field = m.group("file"), int(m.group("line")), m.group("field")
        else:
            m = _FILE_ONLY.match(message)
            if m:
                self.file = m.group("file")


class NotSupported(NotImplementedError):
    """The model does not implement this operation (``predict`` on a ranking-only model,
    ``similar_items`` on a model without item similarity...)."""


class IoError(OSError):
    """A file could not be read or written, or a download failed."""
