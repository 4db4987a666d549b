"""Request bodies: JSON that nests past what the parser can follow is bad input (400), not a
crash (Python's recursion limit raised out of the standard parser as a 500)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class BoundedJSONParser(JSONParser):
    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The body is not JSON we can read: it nests too deeply.")) from None
        except ParseError as error:
            # DRF's words are English only; Python's reason after them says where it broke.
            reason = str(error.detail).removeprefix("JSON parse error - ")
            raise ParseError(
                _("The body is not JSON we can read: %(reason)s") % {"reason": reason}
            ) from None
