"""The one error type users see.

Every problem with user input (a file, a hint, an option) raises
:class:`IrodoriError` with a one-line message that names what was expected
and what was given. The CLI turns it into ``error: ...`` and exit code 2; the
web server turns it into a JSON 4xx answer. Anything else is a bug.
"""

from __future__ import annotations


class IrodoriError(ValueError):
    """Bad input: a file, a hint, an option or a reference that cannot be used.

    ``code``: a stable machine-readable name for errors an interface offers a
    way out of (the web API returns it beside the message), else None.
    """

    code: str | None = None


class ColourPictureError(IrodoriError):
    """A colour picture was given where line art was expected (its lines can be extracted instead)."""

    code = "colour_picture"
