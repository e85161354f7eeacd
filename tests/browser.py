"""The HTML report in a real headless Chromium: screenshots, console errors, sideways overflow.

A copy of the page gets two small scripts: one first in <head> that records every error
(uncaught exceptions and console.error), one last that — after load, once the page has
unpacked its parts (`window.reportReady`) — follows a coverage cell's link to its row,
opens every <details> (the widest state: all tables shown), exercises the search box,
follows the menu's link to the coverage header (how far below the sticky filter bar it
lands), measures the page and writes the results as JSON into a <pre id="harness">. Chromium's
`--dump-dom` prints the DOM after load, so the results come back without a DevTools
connection; `--enable-logging=stderr` also prints console messages, which are checked for
errors as a second witness.

Run directly to make a screenshot: `python tests/browser.py report.html out.png 1440`.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from html import unescape as html_unescape
from pathlib import Path
from typing import Any

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--virtual-time-budget=5000",
    "--allow-file-access-from-files",  # the measuring page reads the framed report's results
]
TIMEOUT = 300  # seconds per browser run: a few on a quiet machine, far more on a busy one

FIRST = """<script>window.__errors = [];
addEventListener("error", function (e) { __errors.push(String(e.message)); });
(function () { var ce = console.error; console.error = function () {
  __errors.push(Array.prototype.join.call(arguments, " ")); ce.apply(console, arguments); }; })();
</script>"""

LAST = """<script>addEventListener("load", function () {
  (window.reportReady || Promise.resolve()).then(follow); });
function follow() {
  // Open the first coverage block (filled on its toggle event), then follow its first link
  // to a row: the row's decree section, still closed and empty, must be filled and opened.
  // Not in the screenshot run, whose page should stay at its top.
  var block = document.querySelector("details.block");
  if (!block || !%(open)s) return measure({});
  block.open = true;
  setTimeout(function () {
    var a = block.querySelector(".matrix td a"), result = {link_opens: null};
    if (a) {
      a.click();
      var row = document.getElementById(a.getAttribute("href").slice(1));
      result.link_opens = !!(row && row.closest("details").open);
    }
    measure(result);
  }, 50);
}
function measure(result) {
  if (%(open)s) document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  var q = document.getElementById("f-q");
  q.value = %(probe)s; q.dispatchEvent(new Event("input"));
  result.search_rows = document.querySelectorAll("table.rows tbody tr:not([hidden])").length;
  q.value = ""; q.dispatchEvent(new Event("input"));
  var doc = document.getElementById("f-doc");
  doc.value = "d1"; doc.dispatchEvent(new Event("input"));
  result.d1_rows = document.querySelectorAll("table.rows tbody tr:not([hidden])").length;
  result.d1_cells = document.querySelectorAll(".matrix td:not([hidden])").length;
  doc.value = ""; doc.dispatchEvent(new Event("input"));
  if (%(open)s) document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  result.all_rows = document.querySelectorAll("table.rows tbody tr:not([hidden])").length;
  result.scroll_width = document.documentElement.scrollWidth;
  result.too_wide = Array.prototype.filter.call(document.querySelectorAll("body *"), function (el) {
    return el.getBoundingClientRect().right > innerWidth + 0.5 && !el.closest(".scroll");
  }).slice(0, 5).map(function (el) {
    return el.tagName + "." + el.className + " " + el.textContent.slice(0, 60);
  });
  // The menu's jump to the coverage header: it must land below the sticky filter bar.
  // Not in the screenshot run, whose page should stay at its top.
  var bar = document.querySelector(".filters");
  result.bar_height = bar.getBoundingClientRect().height;
  if (%(open)s) {
    document.querySelector("nav a[href='#coverage']").click();
    result.jump_clear = document.getElementById("coverage").getBoundingClientRect().top -
      bar.getBoundingClientRect().bottom;
  }
  result.inner_width = innerWidth;
  result.errors = __errors;
  var host = parent !== window ? parent.document : document;
  var pre = host.createElement("pre"); pre.id = "harness";
  pre.textContent = JSON.stringify(result); host.body.appendChild(pre);
}</script>"""

# Headless Chromium will not make its window narrower than about 500 px, so the page is
# measured in an iframe of the exact width (a phone's 390 px); the screenshot is of the frame.
FRAME = """<!DOCTYPE html><html><head><style>body { margin: 0; }
iframe { border: 0; display: block; }</style></head>
<body><iframe src="report.html" style="width: %(width)dpx; height: %(height)dpx"></iframe>
</body></html>"""

HARNESS = re.compile(r'<pre id="harness">(.*?)</pre>', re.S)


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def instrumented(html: str, probe: str, open_all: bool) -> str:
    values = {"open": "true" if open_all else "false", "probe": json.dumps(probe)}
    html = html.replace("<head>", "<head>\n" + FIRST, 1)
    return html.replace("</body>", (LAST % values) + "\n</body>", 1)


def run(page: Path, width: int, height: int, extra: list[str], profile: Path) -> str:
    """One Chromium run on `page` at `width`; its stdout and stderr together."""
    args = [chromium() or "chromium", *FLAGS, f"--user-data-dir={profile}"]
    args += [f"--window-size={width},{height}", *extra, page.as_uri()]
    done = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    return done.stdout + "\n" + done.stderr


def check(html: str, width: int, screenshot: Path | None, probe: str = "рабоч") -> dict[str, Any]:
    """Measure the page at `width` (details open) and, given a path, save a screenshot of its
    top (details as the page opens them). Returns the harness results plus `console`: error
    lines Chromium logged."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        page, frame = folder / "report.html", folder / "frame.html"
        frame.write_text(FRAME % {"width": width, "height": 1400}, encoding="utf-8")
        page.write_text(instrumented(html, probe, open_all=True), encoding="utf-8")
        flags = ["--dump-dom", "--enable-logging=stderr", "--v=0"]
        out = run(frame, max(width, 800), 1400, flags, folder / "p1")
        found = HARNESS.search(out)
        result: dict[str, Any] = json.loads(html_unescape(found.group(1))) if found else {}
        result["console"] = [
            line for line in out.splitlines() if "CONSOLE" in line and "Uncaught" in line
        ]
        if screenshot is not None:
            page.write_text(instrumented(html, "", open_all=False), encoding="utf-8")
            run(frame, width, 1400, [f"--screenshot={screenshot}"], folder / "p2")
    return result


if __name__ == "__main__":
    source, target, size = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    print(check(source.read_text(encoding="utf-8"), size, target.resolve()))
