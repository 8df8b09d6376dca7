"""Screenshots of a running vankien service for the README and docs/.

    .venv/bin/vankien serve --index data/index --port 8013 &
    .venv/bin/python scripts/screenshots.py [--url http://127.0.0.1:8013] [--out docs/screenshots]
        [--admin-token TOKEN]   # also the admin page (the service's VANKIEN_ADMIN_TOKEN)

`--starting` shoots the page of a service still building its index (start one on an empty
index folder with `--build corpus` and run this within a minute): starting-1280/390.png.

Headless Chromium (Debian's /usr/bin/chromium and /usr/bin/chromedriver) through selenium.
Each search shot is the whole page at its width (height grown to the page's, capped at
MAX_HEIGHT); the document is one screen at the cited paragraph. With Pillow the PNGs are
reduced to 256 colours.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from urllib.parse import urlencode

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

QUESTION = "số đảng viên bị kỷ luật"
UNACCENTED = "so dang vien bi ky luat"
NO_ANSWER = "số đảng viên bị kỷ luật năm 2019"
MAX_HEIGHT = 1600


def driver(chromium: str, chromedriver: str) -> webdriver.Chrome:
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--hide-scrollbars",
                 "--force-device-scale-factor=1", "--lang=vi"):
        opts.add_argument(flag)
    return webdriver.Chrome(service=Service(chromedriver), options=opts)


def shot(d: webdriver.Chrome, url: str, width: int, path: Path, full: bool = True) -> None:
    """The page at `width`: whole (up to MAX_HEIGHT), or one 900 px screen at its anchor."""
    d.set_window_size(width, 900 if full else 1000)
    d.get(url)
    time.sleep(0.5)
    if not full:  # the anchored paragraph a quarter down the screen, what precedes it in view
        d.execute_script(
            "const el = location.hash && document.getElementById(location.hash.slice(1));"
            "if (el) window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 220);")
        time.sleep(0.3)
    if full:
        height = d.execute_script("return document.documentElement.scrollHeight")
        d.set_window_size(width, min(max(int(height), 600), MAX_HEIGHT))
        time.sleep(0.3)
    d.save_screenshot(str(path))
    shrink(path)
    print(f"{path}  {width}px  {path.stat().st_size // 1024} KB  ({url})")


def shrink(path: Path) -> None:
    """256 colours, optimised: a third of the size, text unchanged to the eye (needs Pillow)."""
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as im:
        small = im.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE)
    small.save(path, optimize=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default="http://127.0.0.1:8011", help="the running service")
    ap.add_argument("--out", default="docs/screenshots", help="folder for the PNG files")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    ap.add_argument("--starting", action="store_true",
                    help="only the page of a service still building its index")
    ap.add_argument("--admin-token", help="log in with it and take the admin page too")
    ap.add_argument("--only-admin", action="store_true", help="the admin page only")
    args = ap.parse_args()
    base = args.url.rstrip("/")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    def search(q: str) -> str:
        return f"{base}/?{urlencode({'q': q})}"

    d = driver(args.chromium, args.chromedriver)
    if args.starting:
        try:
            shot(d, search(QUESTION), 1280, out / "starting-1280.png")
            shot(d, search(QUESTION), 390, out / "starting-390.png")
        finally:
            d.quit()
        return
    try:
        if args.admin_token:
            admin_shots(d, base, args.admin_token, out)
        if args.only_admin:
            return
        shot(d, search(QUESTION), 1280, out / "search-1280.png")
        shot(d, search(QUESTION), 390, out / "search-390.png")
        shot(d, search(UNACCENTED), 1280, out / "search-unaccented-1280.png")
        shot(d, search(NO_ANSWER), 390, out / "no-answer-390.png")
        # The document opened from the answer's citation link (the cited passage marked).
        d.set_window_size(1280, 900)
        d.get(search(QUESTION))
        href = d.find_element(By.CSS_SELECTOR, "section.answer a.source").get_attribute("href")
        shot(d, href, 1280, out / "document-1280.png", full=False)
    finally:
        d.quit()


def admin_shots(d: webdriver.Chrome, base: str, token: str, out: Path) -> None:
    """The admin page (documents, upload, reindex) at 1280 and 390 px, logged in through the
    /login form; the cookie is dropped afterwards so the other shots are a reader's."""
    d.get(f"{base}/login?next=/admin")
    box = d.find_element(By.NAME, "token")
    box.send_keys(token)
    box.submit()
    time.sleep(0.5)
    shot(d, f"{base}/admin", 1280, out / "admin-1280.png")
    shot(d, f"{base}/admin", 390, out / "admin-390.png")
    d.delete_all_cookies()


if __name__ == "__main__":
    main()
