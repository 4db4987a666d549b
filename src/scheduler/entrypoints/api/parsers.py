"""Request bodies: JSON that nests past what the parser can follow, or holds half a UTF-16 pair
alone (see lone_surrogates), is bad input (400), not a crash (Python's recursion limit raised
out of the standard parser as a 500)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from scheduler.entrypoints.lone_surrogates import holds_lone_surrogate


class BoundedJSONParser(JSONParser):
    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The body is not JSON we can read: it nests too deeply.")) from None
        except ParseError as error:
            # DRF's words are English only; Python's reason after them says where it broke.
            reason = str(error.detail).removeprefix("JSON parse error - ")
            raise ParseError(
                _("The body is not JSON we can read: %(reason)s") % {"reason": reason}
            ) from None
        if holds_lone_surrogate(data):
            raise ParseError(
                _("The body is not JSON we can read: it holds half of a UTF-16 surrogate pair.")
            )
        return data
