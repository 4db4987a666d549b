"""Container health probe: `python healthcheck.py /health/live` exits 0 on HTTP 200, else 1.

Standard library only (the slim image has no curl). The request carries what nginx would send:
a Host the site accepts (ALLOWED_HOSTS) and X-Forwarded-Proto https, so neither the host check
nor the HTTPS redirect answers in the health endpoint's stead.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

PORT = os.environ.get("PORT", "8000")
TIMEOUT_SECONDS = 4


def site_host() -> str:
    allowed = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost").split(",")]
    # ".example.org" allows every subdomain and the domain itself; "*" allows any host.
    first = next((h for h in allowed if h and h != "*"), "localhost")
    return first.lstrip(".")


def main(path: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}{path}",
        headers={"Host": site_host(), "X-Forwarded-Proto": "https"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as failure:
        print(f"{path}: {failure}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "/health/live"))
