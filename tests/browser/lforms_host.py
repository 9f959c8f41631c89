"""A clinic's own web page that renders the screener's Questionnaire with LHC-Forms.

LHC-Forms (the US National Library of Medicine's FHIR forms renderer, npm ``lforms``) is
fetched by ``make lforms`` into ``.cache/``. The page is served from its own origin, as an
EHR's would be, and its ``/fhir/`` calls go through that server to the screener, as an
EHR's back end relays them: so the browser runs the renderer's own scripts and styles,
which the screener's strict Content-Security-Policy would not allow on its origin.
"""

from __future__ import annotations

import http.server
import ssl
import subprocess
import threading
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LFORMS_VERSION = "40.1.3"
LFORMS = ROOT / ".cache" / f"lforms-{LFORMS_VERSION}" / "dist" / "lforms"
RELAYED_HEADERS = ("Accept", "Accept-Language", "Content-Type")

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Clinic intake (LHC-Forms)</title>
<link rel="stylesheet" href="/lforms/webcomponent/styles.css">
<script src="/lforms/webcomponent/assets/lib/zone.min.js"></script>
<script src="/lforms/webcomponent/runtime.js" type="module"></script>
<script src="/lforms/webcomponent/polyfills.js" type="module"></script>
<script src="/lforms/webcomponent/main.js" type="module"></script>
<script src="/lforms/fhir/R4/lformsFHIR.min.js" defer></script>
<script>
window.clinic = {
  async load(query) {
    const reply = await fetch('/fhir/Questionnaire' + query,
                              {headers: {Accept: 'application/fhir+json'}});
    window.questionnaire = await reply.json();
    await LForms.Util.addFormToPage(window.questionnaire, 'form');
  },
  response() {
    return LForms.Util.getFormFHIRData('QuestionnaireResponse', 'R4',
                                       document.getElementById('form'));
  },
  async submit(response, query) {
    const reply = await fetch('/fhir/QuestionnaireResponse' + query, {
      method: 'POST', body: JSON.stringify(response),
      headers: {'Content-Type': 'application/fhir+json', Accept: 'application/fhir+json'}});
    const body = await reply.json();
    const list = document.getElementById('guidance');
    list.replaceChildren();
    for (const entry of body.entry || []) {
      for (const section of entry.resource.section || []) {
        const item = document.createElement('li');
        item.textContent = section.title;
        list.append(item);
      }
    }
    return {status: reply.status, type: reply.headers.get('Content-Type'), body};
  },
};
</script>
</head><body><main><div id="form"></div><ol id="guidance"></ol></main></body></html>
"""


def fetch_lforms() -> bool:
    """Fetch LHC-Forms with the Makefile's step when missing; whether it is there."""
    if not (LFORMS / "webcomponent" / "main.js").exists():
        subprocess.run(["make", "-s", "lforms"], cwd=ROOT, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (LFORMS / "webcomponent" / "main.js").exists()


def serve(app_url: str, ca_file: str | None = None) -> http.server.ThreadingHTTPServer:
    """Start the clinic's page server on a free loopback port (call ``shutdown`` after).

    Calls to an HTTPS app are verified against ``ca_file`` (the test run's CA).
    """
    tls = ssl.create_default_context(cafile=ca_file)

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, directory=str(LFORMS.parent), **kwargs)

        def log_message(self, *args) -> None:
            """Quiet: the test reports what matters."""

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _relay(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = urllib.request.Request(
                app_url + self.path, data=self.rfile.read(length) if length else None,
                method=self.command,
                headers={h: self.headers[h] for h in RELAYED_HEADERS if self.headers[h]})
            try:
                with urllib.request.urlopen(request, timeout=10, context=tls) as reply:
                    self._send(reply.status, reply.headers["Content-Type"], reply.read())
            except urllib.error.HTTPError as error:
                self._send(error.code, error.headers["Content-Type"], error.read())

        def do_GET(self) -> None:
            if self.path == "/":
                self._send(200, "text/html; charset=utf-8", HOST_PAGE.encode())
            elif self.path.startswith("/fhir/"):
                self._relay()
            elif self.path == "/favicon.ico":
                self._send(204, "image/x-icon", b"")
            else:
                super().do_GET()

        def do_POST(self) -> None:
            self._relay()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
