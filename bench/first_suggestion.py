"""How long the facilitator waits for their first suggested themes at event size: ``python -m
bench.first_suggestion``.

Serves a fresh database with one Daphne process (the embedded default), builds the event-size demo (100
participants, 300 cards, 12 themes, ~20 unsorted), opens the workspace in Debian's Chromium at 1280x720,
lets it sit for ``--after`` seconds (the facilitator looks at the board; the server loads the model
meanwhile, board/suggest.py ``warm_soon``), then presses "Suggest" and prints the seconds until the
preview is on screen, for the first press and for a second one."""

import argparse
import time

from playwright.sync_api import sync_playwright

from .harness import chromium
from .screens import USERNAME, EmbeddedServer, demo, logged_in, settled, superuser


def press(page):
    start = time.perf_counter()
    page.locator("#suggest-ask").click()
    page.locator("#suggestions:not([hidden])").wait_for(timeout=120_000)
    took = time.perf_counter() - start
    page.get_by_role("button", name="Close").first.click()
    page.locator("#suggestions").wait_for(state="hidden")
    return took


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--after", type=float, default=5.0, help="seconds the workspace is open first")
    args = parser.parse_args(argv)
    server = EmbeddedServer(1, "hub")
    try:
        server.start()
        env = server.env()
        password = superuser(env, USERNAME, "screens@example.org")
        code = demo(env, "gather")
        with sync_playwright() as playwright:
            browser = chromium(playwright)
            context = logged_in(browser, server.base_urls[0], password, {"width": 1280, "height": 720})
            page = context.new_page()
            page.goto(f"/i/{code}/facilitate/")
            settled(page)
            page.wait_for_timeout(args.after * 1000)
            first, second = press(page), press(page)
            print("| workspace open before | first Suggest | second Suggest |")
            print("|---:|---:|---:|")
            print(f"| {args.after:.0f} s | {first:.2f} s | {second:.2f} s |")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
