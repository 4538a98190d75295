"""Checks the HTML report in headless Chromium (run by tests/browser/run).

1. The fixtures' report: its DOM holds every failure (by event ID) and every incident of the JSON
   answer of the same run, and every other failure and incomplete upload.
2. A hostile report (a key that is markup and script): the key is text in the DOM, and no element
   but the page's own is created (no img, script, iframe, object, embed, link, form).
3. No network request: Chromium is pointed at a proxy on loopback that records every connection;
   the report makes none, while a control page with one remote image makes one (so the detector
   works).
4. The screenshot of the fixtures' report is not blank; it is kept under the target directory.
5. The fixtures' report fits windows 1280 and 800 pixels wide: no table pushes the page sideways
   (measured on a copy of the page with a script that writes the widths into its title; the
   report itself forbids scripts).
6. The timeline page of one bucket: a row per request and a verdict per failed request of the
   JSON timelines, a swimlane per upload, and it fits the same windows.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import zlib
from html.parser import HTMLParser

BIN, TARGET = sys.argv[1], sys.argv[2]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORK = tempfile.mkdtemp(prefix="uploadtrail-browser-")
HOSTILE_KEY = '"><img src=x onerror=alert(1)><script>alert(document.domain)</script>'
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--hide-scrollbars",
]


def fail(message):
    print(f"FAIL: {message}")
    sys.exit(1)


def uploadtrail(*args):
    run = subprocess.run([BIN, *args, "--no-progress"], capture_output=True, text=True)
    if run.returncode != 0:
        fail(f"uploadtrail {' '.join(args)}: exit {run.returncode}\n{run.stderr}")
    return run.stdout


class Proxy:
    """An HTTP proxy on loopback that answers nothing and records the host of every request."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.hosts = []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(2)
            try:
                line = conn.recv(4096).split(b"\r\n")[0].decode("latin-1")
            except OSError:
                line = ""
            # "GET http://host/path HTTP/1.1" or "CONNECT host:443 HTTP/1.1"
            target = line.split(" ")[1] if line.count(" ") >= 2 else "?"
            self.hosts.append(target.split("://")[-1].split("/")[0].split(":")[0])
            conn.close()

    def during(self, load):
        """The hosts asked for while `load` runs."""
        before = len(self.hosts)
        load()
        return set(self.hosts[before:])


def chromium(page, *extra, proxy=None):
    profile = tempfile.mkdtemp(dir=WORK)
    args = ["chromium", *FLAGS, f"--user-data-dir={profile}", *extra]
    if proxy:
        args += [f"--proxy-server=http://127.0.0.1:{proxy.port}", "--proxy-bypass-list=<-loopback>"]
    run = subprocess.run(args + ["file://" + page], capture_output=True, text=True, timeout=120)
    if run.returncode != 0:
        fail(f"chromium exited {run.returncode}: {run.stderr[-2000:]}")
    return run.stdout


class Dom(HTMLParser):
    """The elements of a dumped DOM, and its text."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.rows, self.text = [], [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "tr":
            self.rows.append(attrs)

    def handle_data(self, data):
        self.text.append(data)


def report(name, sources):
    answer = json.loads(uploadtrail("analyze", *sources, "--format", "json"))
    page = os.path.join(WORK, f"{name}.html")
    uploadtrail("analyze", *sources, "--format", "html", "--output", page)
    return answer, page


def check_fixtures():
    sources = [os.path.join(ROOT, "fixtures/trail"), "--lifecycle",
               "backups=" + os.path.join(ROOT, "fixtures/lifecycle/backups.json")]
    answer, page = report("fixtures", sources)
    dom = Dom(chromium(page, "--dump-dom"))
    rows = [r for r in dom.rows]
    shown = {r.get("data-event-id") for r in rows if r.get("class") == "failure"}
    wanted = {f["event_id"] or f["request_id"] for f in answer["failures"]}
    if not wanted or shown != wanted:
        fail(f"failures: {len(wanted)} in the answer, {len(shown)} in the page; missing {sorted(wanted - shown)[:5]}")
    incidents = {r.get("data-incident") for r in rows if r.get("class") == "incident"}
    if incidents != {i["id"] for i in answer["incidents"]}:
        fail("the incidents of the page are not those of the answer")
    others = [r for r in rows if r.get("class") == "other-failure"]
    orphans = [r for r in rows if r.get("class") == "orphan"]
    if (len(others), len(orphans)) != (len(answer["other_failures"]), len(answer["orphans"])):
        fail(f"other failures {len(others)} / orphans {len(orphans)} in the page")
    drawn = [t for t, a in dom.tags if t == "svg"]
    if not drawn:
        fail("no timeline drawn")
    print(f"ok: {len(wanted)} failures, {len(incidents)} incidents, {len(others)} other failures, "
          f"{len(orphans)} incomplete uploads and {len(drawn)} timelines in the DOM")
    return page


def check_hostile():
    trail = os.path.join(WORK, "hostile.json")
    who = {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/<b>mallory</b>",
           "accountId": "111122223333", "userName": "mallory"}

    def record(n, name, minute, extra):
        params = {"bucketName": "media", "key": HOSTILE_KEY}
        params.update(extra.pop("params", {}))
        rec = {"eventVersion": "1.10", "eventSource": "s3.amazonaws.com", "eventName": name,
               "eventTime": f"2026-11-03T09:{minute:02d}:00Z", "awsRegion": "us-east-1",
               "userIdentity": who, "sourceIPAddress": "198.51.100.9",
               "userAgent": "<script>alert(2)</script>", "requestID": f"REQ{n:04d}",
               "eventID": f"00000000-0000-4000-a000-{n:012d}", "eventType": "AwsApiCall",
               "eventCategory": "Data", "requestParameters": params,
               "recipientAccountId": "111122223333"}
        rec.update(extra)
        return rec

    upload = "hostile-upload-1"
    records = [
        record(1, "CreateMultipartUpload", 0, {"params": {"uploads": ""},
               "responseElements": {"CreateMultipartUploadResult": {"UploadId": upload}}}),
        record(2, "AbortMultipartUpload", 5, {"params": {"uploadId": upload}}),
        record(3, "UploadPart", 6, {"params": {"uploadId": upload, "partNumber": "1"},
               "errorCode": "NoSuchUpload", "errorMessage": "<iframe src=//evil>"}),
    ]
    with open(trail, "w") as f:
        json.dump({"Records": records}, f)
    answer, page = report("hostile", [trail])
    if answer["summary"]["failures"] != 1:
        fail(f"the hostile trail gave {answer['summary']['failures']} failures")
    dom = Dom(chromium(page, "--dump-dom"))
    allowed = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "section",
               "table", "tbody", "tr", "th", "td", "span", "br", "a", "article", "code", "ul", "li",
               "svg", "line", "text", "title", "circle", "rect", "path"}
    foreign = sorted({t for t, _ in dom.tags} - allowed)
    if foreign:
        fail(f"elements the page does not make: {foreign}")
    for tag, attrs in dom.tags:
        for name, value in attrs.items():
            if name.startswith("on") or (name in ("src", "href", "action") and not (value or "").startswith("#")):
                fail(f"<{tag} {name}={value!r}>")
    text = "".join(dom.text)
    for hostile in (HOSTILE_KEY, "user/<b>mallory</b>"):
        if hostile not in text:
            fail(f"{hostile!r} is not shown as text")
    print("ok: the hostile key and user name are text; no element or attribute came from a log")


def check_network(page):
    # Chromium calls its own services (update, time, accounts) whatever the page; those hosts,
    # seen while it shows an empty page, are the browser's. Any other host is the page's.
    proxy = Proxy()
    empty = os.path.join(WORK, "empty.html")
    control = os.path.join(WORK, "control.html")
    with open(empty, "w") as f:
        f.write("<!DOCTYPE html><html><body><p>empty</p></body></html>")
    with open(control, "w") as f:
        f.write('<!DOCTYPE html><html><body><img src="http://example.invalid/x.png"></body></html>')

    def load(p):
        return lambda: chromium(p, "--dump-dom", "--virtual-time-budget=3000", proxy=proxy)

    browser = proxy.during(load(empty)) | proxy.during(load(empty))
    google = (".google.com", ".googleapis.com", ".gstatic.com", ".gvt1.com")
    by_page = {h for h in proxy.during(load(page)) - browser if not h.endswith(google)}
    if by_page:
        fail(f"the report asked for {sorted(by_page)}")
    by_control = proxy.during(load(control)) - browser
    if "example.invalid" not in by_control:
        fail("the control page's request was not seen: the detector does not work")
    print(f"ok: no network request by the report (the control page's was seen; the browser's own: {sorted(browser)})")


def png_is_blank(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return True
    at, idat = 8, b""
    while at < len(data):
        length = int.from_bytes(data[at:at + 4], "big")
        kind = data[at + 4:at + 8]
        if kind == b"IDAT":
            idat += data[at + 8:at + 8 + length]
        at += 12 + length
    raw = zlib.decompress(idat)
    # A blank page filters to rows of zeros; a drawn one has many distinct byte values.
    return len(set(raw)) < 64 or raw.count(0) > 0.995 * len(raw)


def check_screenshot(page):
    shot = os.path.join(TARGET, "uploadtrail-report.png")
    chromium(page, "--window-size=1280,2200", f"--screenshot={shot}")
    if not os.path.exists(shot) or png_is_blank(shot):
        fail("the screenshot is blank")
    print(f"ok: screenshot {shot} ({os.path.getsize(shot):,} bytes)")


def check_timeline():
    focus = [os.path.join(ROOT, "fixtures/trail"), "--bucket", "media-uploads"]
    answer = json.loads(uploadtrail("timeline", *focus, "--format", "json"))
    page = os.path.join(WORK, "timeline.html")
    uploadtrail("timeline", *focus, "--format", "html", "--output", page)
    dom = Dom(chromium(page, "--dump-dom"))
    steps = [r for r in dom.rows if r.get("class") == "step"]
    verdicts = [r for r in dom.rows if r.get("class") == "verdict"]
    timelines = answer["timelines"]
    wanted = sum(len(t["events"]) for t in timelines)
    judged = sum(len(t["verdicts"]) for t in timelines)
    if (len(steps), len(verdicts)) != (wanted, judged) or not judged:
        fail(f"timeline page: {len(steps)} requests and {len(verdicts)} verdicts, "
             f"the answer has {wanted} and {judged}")
    drawn = [t for t, a in dom.tags if t == "svg"]
    if len(drawn) != len(timelines):
        fail(f"timeline page: {len(drawn)} swimlanes for {len(timelines)} uploads")
    print(f"ok: the timeline page shows {wanted} requests and {judged} verdicts of {len(timelines)} uploads")
    return page


def check_layout(page):
    html = open(page, encoding="utf-8").read()
    start = html.find('<meta http-equiv="Content-Security-Policy"')
    if start < 0:
        fail("the report has no Content-Security-Policy")
    end = html.index(">", start) + 1
    probe = "<script>document.title = document.documentElement.scrollWidth + ' ' + window.innerWidth;</script>"
    measured = os.path.join(WORK, "layout.html")
    with open(measured, "w", encoding="utf-8") as f:
        f.write(html[:start] + html[end:].replace("</body>", probe + "</body>"))
    for width in (1280, 800):
        dom = chromium(measured, f"--window-size={width},900", "--dump-dom")
        title = dom[dom.index("<title>") + 7:dom.index("</title>")].split()
        if len(title) != 2 or not all(t.isdigit() for t in title):
            fail(f"the layout probe did not run: {title}")
        scroll, window = map(int, title)
        if scroll > window:
            fail(f"the page is {scroll} px wide in a window of {window} px")
        print(f"ok: the page fits a window {window} px wide")


try:
    page = check_fixtures()
    check_hostile()
    check_network(page)
    check_screenshot(page)
    check_layout(page)
    check_layout(check_timeline())
finally:
    shutil.rmtree(WORK, ignore_errors=True)
print("browser check passed")
