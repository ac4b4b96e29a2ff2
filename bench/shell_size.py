"""Print the phone app shell's transfer size: everything the service worker precaches, gzipped.

Fails (exit 1) above the 150 KB budget. Run from the repository: python bench/shell_size.py
"""

from __future__ import annotations

import gzip
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fieldvisit import create_app
from fieldvisit.visits.shell import shell_urls

BUDGET = 150 * 1024
AIM = 35 * 1024


def main() -> int:
    with tempfile.TemporaryDirectory() as instance:
        app = create_app(
            {"DATABASE_URL": "sqlite://", "INSTANCE_PATH": instance, "SECRET_KEY": "bench"}
        )
        with app.test_request_context():
            urls = shell_urls()
        client = app.test_client()
        total_raw = total_gzip = 0
        print(f"{'file':<58} {'bytes':>8} {'gzip':>8}")
        for url in urls:
            with client.get(url) as response:
                if response.status_code != 200:
                    print(f"{url} answered {response.status_code}", file=sys.stderr)
                    return 1
                body = response.get_data()
            size = len(gzip.compress(body, compresslevel=9))
            total_raw += len(body)
            total_gzip += size
            print(f"{url:<58} {len(body):>8} {size:>8}")
    print(f"{'app shell total':<58} {total_raw:>8} {total_gzip:>8}")
    print(
        f"app shell: {total_gzip / 1024:.1f} KB compressed "
        f"(aim {AIM // 1024} KB, budget {BUDGET // 1024} KB)"
    )
    if total_gzip > BUDGET:
        print("over budget", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
