#!/usr/bin/env python3
"""Drives csledgerd's dashboard in headless Chromium (Selenium), for each page and role.

Run by Tests/CSLedgerTests/DashboardBrowserTests.swift, which starts the daemon over a simulated clinic
ledger with planted findings and writes the expectations to a JSON file:

    dashboard_browser.py EXPECTED.json SCREENSHOT_DIR

Exit status 0 when every check passed; otherwise each failure is printed on its own line ("FAIL ...").
Exit status 3 (and a line saying what to install) when Chromium, its driver or Selenium is missing.
"""
import base64
import hashlib
import json
import math
import os
import shutil
import statistics
import sys
import urllib.error
import urllib.request
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    print("MISSING selenium: install it with `pip install selenium`")
    sys.exit(3)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None)
if not CHROMIUM or not DRIVER:
    print("MISSING chromium/chromedriver: install them with `apt-get install -y chromium chromium-driver`")
    sys.exit(3)

exp = json.load(open(sys.argv[1]))
shots = sys.argv[2]
os.makedirs(shots, exist_ok=True)
base = exp["url"]
failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL " + what, flush=True)


def api(path, token):
    req = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())


def browser():
    o = webdriver.ChromeOptions()
    o.binary_location = CHROMIUM
    for a in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1000",
              "--force-device-scale-factor=1", "--no-first-run", "--disable-extensions"]:
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(DRIVER), options=o)


FORBIDDEN = exp["forbidden"]  # patient names, addresses, dates of birth, tokens, public keys


def look(d, what, allowed_status=None):
    """The checks every page gets: no console error (bar the expected status), no patient data, token or key in the DOM."""
    logs = d.get_log("browser")
    for entry in logs:
        msg = entry.get("message", "")
        if entry.get("level") == "SEVERE" and not (allowed_status and ("status of %d" % allowed_status) in msg):
            check(False, "%s: browser console error: %s" % (what, msg))
    html = d.page_source
    for f in FORBIDDEN:
        check(f not in html, "%s: the page contains forbidden text %r" % (what, f[:24]))
    check("<script" not in html.lower(), "%s: the page has a script element" % what)


def shot(d, name):
    h = d.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
    d.set_window_size(1280, min(max(h + 40, 600), 2400))
    d.save_screenshot(os.path.join(shots, name + ".png"))
    d.set_window_size(1280, 1000)


def click_and_load(d, element):
    """Clicks a link or submit button and waits until the next page has replaced this one (reading the URL right
    after the click races the navigation on a loaded machine). The old page is marked with a window property that a
    new page does not have; Selenium's staleness_of is not used, since Chromium can answer a query about the old
    page's node mid-navigation with an inspector error that staleness_of does not take for staleness."""
    d.execute_script("window.__csledgerOldPage = true")
    element.click()

    def replaced(driver):
        try:
            return driver.execute_script(
                "return window.__csledgerOldPage === undefined && document.readyState === 'complete'")
        except WebDriverException:
            return False  # mid-navigation: ask again
    WebDriverWait(d, 60).until(replaced)


def sign_in(d, token):
    d.get(base + "/signin")
    d.find_element(By.ID, "token").send_keys(token)
    click_and_load(d, d.find_element(By.ID, "signin"))


def path(d):
    return d.current_url[len(base):] or "/"


def text(d, css):
    els = d.find_elements(By.CSS_SELECTOR, css)
    return els[0].text.strip() if els else None


def draw_to_waste(log_path):
    """Each person's minutes from a draw to the record of its waste, from `csledger log` (the entries' bytes), computed
    here and not by csledger: for every dose.administered with something wasted and not corrected by an
    entry.corrected, the entry's logged time minus the statement's time. Per person the median, the 90th percentile
    (nearest rank), the count; per role the median of the people's medians."""
    def t(s):
        return datetime.fromisoformat(s.replace("Z", "+00:00"))
    roles, corrected, doses = {}, set(), []
    for line in open(log_path):
        e = json.loads(line)
        st = e["statement"]
        body = st.get("body", {})
        if st["type"] == "actor.enrolled":
            roles[hashlib.sha256(base64.b64decode(body["public_key"])).hexdigest()] = body["role"]
        elif st["type"] == "entry.corrected":
            corrected.add(body["corrects"])
        elif st["type"] == "dose.administered" and Decimal(body.get("wasted", "0")) > 0:
            doses.append((e["seq"], st["actor"], (t(e["logged"]) - t(st["time"])) / timedelta(minutes=1)))
    minutes = defaultdict(list)
    for seq, actor, m in doses:
        if seq not in corrected:
            minutes[actor].append(m)
    people = {}
    for k, ms in minutes.items():
        ms.sort()
        people[k] = {"median": statistics.median(ms), "p90": ms[math.ceil(0.9 * len(ms)) - 1], "n": len(ms), "role": roles.get(k, "unknown")}
    peer = {}
    for role in {p["role"] for p in people.values()}:
        peer[role] = statistics.median([p["median"] for p in people.values() if p["role"] == role])
    return people, peer


def near(shown, value):
    return shown is not None and abs(float(shown) - value) < 0.0015


# --- Sign-in page and refusals for roles that see nothing ---------------------------------------------
d = browser()
try:
    d.get(base + "/")
    check(path(d).startswith("/signin"), "signed out, / should lead to the sign-in page, got %s" % path(d))
    look(d, "sign-in page")
    shot(d, "signin")
    sign_in(d, "csl_not-a-real-token")
    check(text(d, "#signin-message") is not None and "unknown" in text(d, "#signin-message"), "a bad token should be refused on the sign-in page")
    look(d, "bad token", allowed_status=401)
    for role in ["witness", "clinician"]:
        d.delete_all_cookies()
        sign_in(d, exp["tokens"][role])
        check(text(d, "#refusal") is not None and role in text(d, "#refusal"), "%s: a refusal page is expected after sign-in" % role)
        look(d, role + " refusal", allowed_status=403)
        if role == "witness":
            shot(d, "refusal")
        d.get(base + "/stock")
        check(path(d).startswith("/signin"), "%s: no session should have been opened (got %s)" % (role, path(d)))
finally:
    d.quit()

# --- Compliance officer: every page ----------------------------------------------------------------------
report = api("/v1/reconciliation?all=true", exp["tokens"]["compliance"])
open_findings = [f for f in report["findings"] if f["status"] != "resolved"]
d = browser()
try:
    sign_in(d, exp["tokens"]["compliance"])
    check(path(d) == "/", "compliance: sign-in should land on the overview, got %s" % path(d))
    cookies = {c["name"]: c for c in d.get_cookies()}
    c = cookies.get("csl_session")
    check(c is not None and c.get("httpOnly") and c.get("sameSite") == "Strict", "the session cookie must be HttpOnly and SameSite=Strict: %r" % c)
    check(c is not None and "expiry" in c, "the session cookie must expire: %r" % c)
    look(d, "overview")
    check(text(d, "#open-count") == str(len(open_findings)), "overview: %s open findings shown, the API says %d" % (text(d, "#open-count"), len(open_findings)))
    check(text(d, "#checkpoint-size") is not None and int(text(d, "#checkpoint-size")) >= exp["entries"], "overview: checkpoint size")
    check(text(d, "#awaiting-proof") == str(exp["in_transit"]), "overview: parcels awaiting proof %s, expected %d" % (text(d, "#awaiting-proof"), exp["in_transit"]))
    shot(d, "overview")

    d.get(base + "/findings?status=all")
    look(d, "findings")
    listed = {e.get_attribute("data-finding") for e in d.find_elements(By.CSS_SELECTOR, "#findings tr[data-finding]")}
    for p in exp["planted"]:
        check(p["id"] in listed, "findings: planted %s (%s) is not listed" % (p["name"], p["id"]))
    shot(d, "findings")
    d.get(base + "/findings?rule=8&severity=critical")
    rows = {e.get_attribute("data-finding") for e in d.find_elements(By.CSS_SELECTOR, "#findings tr[data-finding]")}
    rule8 = {p["id"] for p in exp["planted"] if p["rule"] == 8 and p["severity"] == "critical"}
    check(rule8 <= rows and all(r.startswith("F08-") for r in rows), "findings filter rule=8 severity=critical: %r" % rows)
    look(d, "findings filtered")

    for p in exp["planted"]:
        d.get(base + "/findings/" + p["id"])
        look(d, "finding " + p["id"])
        check(text(d, "#finding-id") == p["id"], "finding page %s shows id %r" % (p["id"], text(d, "#finding-id")))
        cited = [int(a.text) for a in d.find_elements(By.CSS_SELECTOR, "#cited-entries a.entry-link")]
        check(sorted(cited) == sorted(p["entries"]), "finding %s cites %r, expected %r" % (p["id"], cited, p["entries"]))
        cmd = text(d, "#resolve-command")
        check(cmd is not None and cmd.startswith("csledger resolve " + p["id"] + " "), "finding %s: resolve command %r" % (p["id"], cmd))
    shot_id = exp["planted"][0]["id"]
    d.get(base + "/findings/" + shot_id)
    shot(d, "finding")

    seq = exp["planted"][0]["entries"][0]
    click_and_load(d, d.find_element(By.CSS_SELECTOR, "#cited-entries a.entry-link"))
    check(path(d) == "/entries/%d" % seq, "the cited entry link leads to %s" % path(d))
    look(d, "entry %d" % seq)
    check(text(d, "#entry-seq") == str(seq), "entry page seq")
    check(len(d.find_elements(By.CSS_SELECTOR, "#signers li")) >= 1, "entry page lists its signers")
    href = d.find_element(By.ID, "proof-download").get_attribute("href")
    req = urllib.request.Request(href, headers={"Cookie": "csl_session=" + d.get_cookie("csl_session")["value"]})
    with urllib.request.urlopen(req) as r:
        proof = r.read().decode()
        check("attachment" in r.headers.get("Content-Disposition", ""), "the proof is served as a download")
    check(proof.startswith("c2sp.org/tlog-proof") and ("\nindex %d\n" % seq) in proof, "inclusion proof download: %r" % proof[:80])
    shot(d, "entry")

    d.get(base + "/stock")
    look(d, "stock")
    shot(d, "stock")
    lot = exp["lot"]
    d.get(base + "/stock/" + urllib.request.quote(lot["id"], safe="") + "?as_of=" + lot["as_of"])
    look(d, "lot as of")
    shown = d.find_element(By.ID, "lot-balance").get_attribute("data-micros")
    check(shown == str(lot["micros"]), "lot %s as of %s: the page shows %s micro-units, csledger inventory --as-of says %d" % (lot["id"], lot["as_of"], shown, lot["micros"]))
    variances = d.find_elements(By.CSS_SELECTOR, "svg.balance circle.mark.variance")
    check(len(variances) == lot["variances"], "lot chart: %d variance marks, expected %d" % (len(variances), lot["variances"]))

    # The busiest lot (most administered): its movements by kind add up to every movement; 200 are listed a page
    # (a vial lot of the planted clinic has more), and the earlier page goes on where this one stops (its top
    # row's balance is the balance before this page's bottom row).
    d.get(base + "/stock")
    busiest = max(d.find_elements(By.CSS_SELECTOR, "#lots tbody tr"), key=lambda r: Decimal(r.find_elements(By.TAG_NAME, "td")[6].text))
    busy = {"id": busiest.get_attribute("data-lot")}
    d.get(base + "/stock/" + urllib.request.quote(busy["id"], safe=""))
    look(d, "busiest lot")
    total = int(d.find_element(By.ID, "balance-chart").get_attribute("data-movements"))
    by_kind = sum(int(r.find_elements(By.TAG_NAME, "td")[1].text) for r in d.find_elements(By.CSS_SELECTOR, "#movement-kinds tbody tr"))
    check(by_kind == total, "lot %s: the movements by kind add up to %d, the chart has %d" % (busy["id"], by_kind, total))
    rows = d.find_elements(By.CSS_SELECTOR, "#movements tbody tr")
    check(total > 200 and 190 <= len(rows) <= 200, "lot %s: %d movements, %d listed on the first page" % (busy["id"], total, len(rows)))
    links = d.find_elements(By.ID, "movements-earlier")
    check(len(links) == 1, "lot %s: a link to the earlier movements" % busy["id"])
    if rows and links:
        bottom = [c.text for c in rows[-1].find_elements(By.TAG_NAME, "td")]
        click_and_load(d, links[0])
        look(d, "lot earlier movements")
        check("before=" + bottom[0] in d.current_url, "the earlier page is the one before entry %s, got %s" % (bottom[0], d.current_url))
        top = [c.text for c in d.find_elements(By.CSS_SELECTOR, "#movements tbody tr")[0].find_elements(By.TAG_NAME, "td")]
        check(Decimal(top[4]) + Decimal(bottom[3]) == Decimal(bottom[4]),
              "the earlier page ends at balance %s, and the next movement (%s) makes %s" % (top[4], bottom[3], bottom[4]))
        check(len(d.find_elements(By.ID, "movements-latest")) == 1, "the earlier page links back to the latest movements")

    # The small-loss CUSUM on its lot page, its alarm where the reconciliation raised it.
    pattern = [f for f in report["findings"] if f["check"] == "lot-loss-pattern"]
    check(len(pattern) >= 1, "the API reports a lot-loss pattern")
    for f in pattern:
        d.get(base + "/stock/" + urllib.request.quote(f["lot"], safe=""))
        look(d, "lot " + f["lot"])
        alarms = [int(e.get_attribute("data-alarm-seq")) for e in d.find_elements(By.CSS_SELECTOR, "svg.cusum circle.alarm")]
        check(max(f["entries"]) in alarms, "lot-loss CUSUM of %s: alarm marks at %r, the finding's last entry is %d" % (f["lot"], alarms, max(f["entries"])))
        shot(d, "lot")

    d.get(base + "/staff")
    look(d, "staff")
    check(len(d.find_elements(By.CSS_SELECTOR, "table.staff tr[data-person]")) >= 5, "staff table lists the people")
    # Draw to waste record: each person's median, 90th percentile and count, and the peer median, against csledger log.
    delays, peer_delay = draw_to_waste(exp["log"])
    check(len(delays) >= 5, "csledger log shows doses with waste by the clinicians (%d people)" % len(delays))
    shown_delays = {}
    for row in d.find_elements(By.CSS_SELECTOR, "table.staff tr[data-person]"):
        cell = row.find_elements(By.CSS_SELECTOR, "td.delay[data-median-minutes]")
        if cell:
            shown_delays[row.get_attribute("data-person")] = cell[0]
    check(set(shown_delays) == set(delays), "staff: draw-to-waste figures for %d people, csledger log has wastes by %d" % (len(shown_delays), len(delays)))
    for key, want in delays.items():
        cell = shown_delays.get(key)
        if cell is None:
            continue
        check(near(cell.get_attribute("data-median-minutes"), want["median"]),
              "staff: %s's draw-to-waste median %s min, csledger log gives %.3f" % (key[:12], cell.get_attribute("data-median-minutes"), want["median"]))
        check(near(cell.get_attribute("data-p90-minutes"), want["p90"]),
              "staff: %s's 90th percentile %s min, csledger log gives %.3f" % (key[:12], cell.get_attribute("data-p90-minutes"), want["p90"]))
        check(cell.get_attribute("data-wastes") == str(want["n"]), "staff: %s's wastes %s, csledger log gives %d" % (key[:12], cell.get_attribute("data-wastes"), want["n"]))
    for role, median in peer_delay.items():
        el = d.find_elements(By.ID, "peer-delay-" + role)
        check(len(el) == 1 and near(el[0].get_attribute("data-peer-median-minutes"), median),
              "staff: the %s peer median of draw to waste, csledger log gives %.3f" % (role, median))
    # The small-loss CUSUM is kept per lot: each person named by a pattern (csledger reconcile --json) counts it here.
    recon = json.load(open(exp["reconcile"]))
    loss_patterns = [f for f in recon["findings"] if f["check"] == "lot-loss-pattern"]
    check(len(loss_patterns) >= 1, "csledger reconcile --json reports a lot-loss pattern")
    named = defaultdict(list)
    for f in loss_patterns:
        for p in f["people"]:
            named[p["key_id"]].append(f)
    for key, fs in named.items():
        cells = d.find_elements(By.CSS_SELECTOR, "table.staff tr[data-person='%s'] td.small-loss-alarms" % key)
        check(len(cells) == 1 and cells[0].get_attribute("data-alarms") == str(len(fs)),
              "staff: %s's small-loss alarms %r, csledger reconcile names them in %d" % (key[:12], cells[0].get_attribute("data-alarms") if cells else None, len(fs)))
    shot(d, "staff")
    # The planted clinician who writes up each dose the next morning: their page, against csledger log.
    late = delays.get(exp["late"])
    check(late is not None and late["median"] > 2 * peer_delay[late["role"]], "csledger log: the planted late recorder stands out from peers: %r" % late)
    d.get(base + "/staff/" + exp["late"])
    look(d, "person draw to waste")
    figs = d.find_elements(By.ID, "delay-figures")
    check(len(figs) == 1 and late is not None and near(figs[0].get_attribute("data-median-minutes"), late["median"])
          and near(figs[0].get_attribute("data-p90-minutes"), late["p90"])
          and near(figs[0].get_attribute("data-peer-median-minutes"), peer_delay[late["role"]]) and figs[0].get_attribute("data-wastes") == str(late["n"]),
          "person page: the planted late recorder's draw-to-waste median, 90th percentile and peer median against csledger log")
    check(len(d.find_elements(By.CSS_SELECTOR, "#draw-to-waste ~ svg.bars rect.bar")) >= 1, "person page: the draw-to-waste ranges chart")
    shot(d, "person-draw-to-waste")
    # From a person named by a pattern, the link to the lot's CUSUM, its alarm at the entry where reconcile raised it.
    for key, fs in list(named.items())[:2]:
        for f in fs:
            d.get(base + "/staff/" + key)
            look(d, "person small losses " + key[:12])
            items = d.find_elements(By.CSS_SELECTOR, "#person-small-losses li[data-finding='%s']" % f["id"])
            check(len(items) == 1 and items[0].get_attribute("data-alarm-seq") == str(max(f["entries"])),
                  "person %s: small-loss pattern %s listed with its alarm at seq %d" % (key[:12], f["id"], max(f["entries"])))
            if not items:
                continue
            click_and_load(d, items[0].find_element(By.CSS_SELECTOR, "a.lot-cusum-link"))
            check(path(d).startswith("/stock/") and path(d).endswith("#loss-cusum"), "the small-loss link leads to the lot's CUSUM, got %s" % path(d))
            look(d, "lot from person " + f["lot"])
            alarms = [int(e.get_attribute("data-alarm-seq")) for e in d.find_elements(By.CSS_SELECTOR, "svg.cusum circle.alarm")]
            check(max(f["entries"]) in alarms, "lot %s from the staff page: alarm marks at %r, csledger reconcile raised it at %d" % (f["lot"], alarms, max(f["entries"])))
            check(len(d.find_elements(By.CSS_SELECTOR, "svg.cusum line.rule.threshold")) >= 1, "the lot's CUSUM chart draws the alarm line")
    waste = [f for f in report["findings"] if f["check"] == "waste-pattern"]
    check(any(p["key_id"] == exp["biased"] for f in waste for p in f["people"]), "the API reports the planted waste pattern")
    for f in waste:
        key = f["people"][0]["key_id"]
        d.get(base + "/staff/" + key)
        look(d, "person " + key[:12])
        alarms = [int(e.get_attribute("data-alarm-seq")) for e in d.find_elements(By.CSS_SELECTOR, "svg.cusum circle.alarm")]
        check(max(f["entries"]) in alarms, "waste CUSUM of %s: alarm marks at %r, reconciliation raised it at %d" % (key[:12], alarms, max(f["entries"])))
        check(len(d.find_elements(By.CSS_SELECTOR, "svg.cusum line.rule.threshold")) >= 1, "the CUSUM chart draws the alarm line")
        check(len(d.find_elements(By.CSS_SELECTOR, "#peer-rates tr[data-metric]")) >= 1, "the person's peer comparison rows")
        if key == exp["biased"]:
            shot(d, "person")

    d.get(base + "/shipments")
    look(d, "shipments")
    first = d.find_elements(By.CSS_SELECTOR, "#in-transit tbody tr")
    check(len(first) == exp["in_transit"], "shipments: %d in transit, expected %d" % (len(first), exp["in_transit"]))
    check(len(first) > 0 and "overdue" in (first[0].get_attribute("class") or ""), "shipments: the overdue parcel first")
    check(len(d.find_elements(By.CSS_SELECTOR, "#lost tr[data-tracking='1ZPLANTLOST']")) == 1, "shipments: the lost parcel is listed as lost")
    shot(d, "shipments")

    click_and_load(d, d.find_element(By.ID, "signout"))
    check(path(d).startswith("/signin"), "sign-out leads to the sign-in page, got %s" % path(d))
    d.get(base + "/findings")
    check(path(d).startswith("/signin"), "after sign-out the pages ask for sign-in again, got %s" % path(d))
finally:
    d.quit()

# --- Regulator: the same read-only view ----------------------------------------------------------------
d = browser()
try:
    sign_in(d, exp["tokens"]["regulator"])
    check(path(d) == "/", "regulator lands on the overview, got %s" % path(d))
    look(d, "regulator overview")
    for page in ["/findings", "/staff", "/stock", "/shipments", "/findings/" + exp["planted"][0]["id"]]:
        d.get(base + page)
        look(d, "regulator " + page)
        check(text(d, "#refusal") is None and text(d, "h1") is not None, "regulator sees %s" % page)
finally:
    d.quit()

# --- Admin and pharmacist: stock and shipments only -------------------------------------------------------
for role in ["pharmacist", "admin"]:
    d = browser()
    try:
        sign_in(d, exp["tokens"][role])
        check(path(d) == "/stock", "%s lands on stock, got %s" % (role, path(d)))
        look(d, role + " stock")
        d.get(base + "/stock/" + urllib.request.quote(lot["id"], safe=""))
        look(d, role + " lot")
        check(len(d.find_elements(By.CSS_SELECTOR, "a.entry-link")) == 0, "%s: no links to entry pages" % role)
        d.get(base + "/shipments")
        look(d, role + " shipments")
        check(text(d, "#refusal") is None, "%s sees shipments" % role)
        for page in ["/findings", "/staff", "/findings/" + exp["planted"][0]["id"], "/entries/1"]:
            d.get(base + page)
            check(text(d, "#refusal") is not None, "%s is refused %s" % (role, page))
            look(d, role + " refused " + page, allowed_status=403)
            if role == "pharmacist" and page == "/findings":
                shot(d, "refusal-pharmacist")
        d.get(base + "/")
        check(path(d) == "/stock", "%s: / leads to stock" % role)
    finally:
        d.quit()

print("%d checks, %d failed" % (checks, len(failures)))
sys.exit(1 if failures else 0)
