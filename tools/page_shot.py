"""The status page as a phone shows it, in a real browser (Debian's chromium, headless):
`python tools/page_shot.py URL OUT.png`. The README's docs/web.png is taken with it, and
tests/test_web.py checks with it that the page draws the picture."""

import subprocess
import sys
import tempfile
from pathlib import Path

import cv2

PHONE = (412, 915)  # a common phone's viewport, in CSS pixels
WAIT_MS = 4000  # the page's script runs this long (virtual time): status, picture, figures


def page_shot(url: str, out: Path, size: tuple[int, int] = PHONE) -> Path:
    """A screenshot of `url` at `size`; raises CalledProcessError if chromium fails."""
    with tempfile.TemporaryDirectory() as profile:  # never the user's own browser profile
        subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             f"--user-data-dir={profile}", f"--window-size={size[0]},{size[1]}",
             f"--virtual-time-budget={WAIT_MS}", f"--screenshot={out}", url],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    return out


def picture_is_drawn(shot: Path) -> bool:
    """Whether the page's picture (near the top, the full width less the margins) shows
    something: the show's grey dreams, not the page's flat background or a broken image."""
    page = cv2.imread(str(shot), cv2.IMREAD_GRAYSCALE)
    width = page.shape[1]
    picture = page[80 : 80 + width * 9 // 16 - 60, width // 8 : width - width // 8]
    return picture.std() > 8


if __name__ == "__main__":
    shot = page_shot(sys.argv[1], Path(sys.argv[2]))
    print(f"{shot}: the picture {'is' if picture_is_drawn(shot) else 'is NOT'} drawn")
