"""One check for every page a browser test shows: valid HTML (tidy), no serious or critical
accessibility violation (axe-core, injected into the page), and screenshots at desktop and phone
width under tests/browser/out/ for people to look at."""
import os
import subprocess

from conftest import OUT, WIDTH, screenshot

PHONE = 390
AXE = os.path.join(os.path.dirname(__file__), "node_modules", "axe-core", "axe.min.js")
# axe-core's impact levels that fail a page; "minor" and "moderate" are reported, not fatal.
FATAL_IMPACTS = ("serious", "critical")


def tidy_problems(text):
    """What `tidy -q -e` reports for an HTML document (errors and warnings), as lines."""
    out = subprocess.run(["tidy", "-q", "-e", "--show-warnings", "yes"], input=text.encode(),
                         capture_output=True)
    return [line for line in out.stderr.decode(errors="replace").splitlines() if line.strip()]


def served_html(driver):
    """The HTML the server sends for the current address, fetched by the page itself (its cookies
    go with it). A page shown as the answer to a POST is fetched again by GET: pass the HTML."""
    return driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "fetch(location.href, {credentials: 'same-origin'})"
        ".then(function (r) { return r.text(); }).then(done)"
        ".catch(function (e) { done('fetch failed: ' + e); });")


def axe_violations(driver):
    """axe-core's violations on the current page, as (impact, id, help, first targets)."""
    with open(AXE, encoding="utf-8") as f:
        driver.execute_script(f.read())
    result = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(function (r) {"
        "  done(r.violations.map(function (v) {"
        "    return [v.impact, v.id, v.help,"
        "            v.nodes.slice(0, 3).map(function (n) { return n.target.join(' '); })];"
        "  }));"
        "}).catch(function (e) { done([['critical', 'axe-error', String(e), []]]); });")
    return [tuple(v) for v in result]


def look(driver, name, html=None, widths=(WIDTH, PHONE)):
    """Checks the page the browser shows now and saves out/<name>.png (desktop) and
    out/<name>-phone.png. html: the page's HTML when it was the answer to a POST."""
    os.makedirs(OUT, exist_ok=True)
    problems = tidy_problems(html if html is not None else served_html(driver))
    assert problems == [], "tidy on %s: %s" % (name, problems)
    if widths:
        screenshot(driver, OUT, name, width=widths[0])
    for w in widths[1:]:
        screenshot(driver, OUT, "%s-phone" % name if w == PHONE else "%s-%d" % (name, w), width=w)
        driver.set_window_size(w, 900)
        try:
            fatal = [v for v in axe_violations(driver) if v[0] in FATAL_IMPACTS]
        finally:  # the next test starts at desktop width whatever this one found
            driver.set_window_size(WIDTH, 900)
        assert fatal == [], "axe-core at %dpx on %s: %s" % (w, name, fatal)
    fatal = [v for v in axe_violations(driver) if v[0] in FATAL_IMPACTS]
    assert fatal == [], "axe-core on %s: %s" % (name, fatal)
