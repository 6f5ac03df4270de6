"""Lighthouse through the real nginx: the audit harness's Lighthouse step, aimed at deploy/nginx/pouls.conf.

    bash ../shared/audit/setup.sh                      # once (Lighthouse 12.2.3, Debian's Chromium)
    .venv/bin/python tests/bench/lighthouse_nginx.py [--runs 3] [--out /tmp/lh-nginx]

The audit harness (`audit_site.sh`) serves a folder with `python -m http.server`, so its
compression, cache and HTTP/2 audits judge that test server. This script builds content/
with `make publish` for https://pouls.example.fr, runs Debian's nginx with the shipped
configuration (rendered with a self-signed certificate for that name, the comment service
behind it), and calls the harness's own `auditlib.lighthouse.run_one` on the home page and a
report, with Chromium resolving pouls.example.fr to that nginx (`--host-resolver-rules`, every
other host unresolvable, as the harness does). It prints the median score of each category
over the runs and the state of the server audits, then one JSON line.

The harness is found at $AUDIT_DIR, else ../shared/audit or ../../shared/audit from the
repository; its tools in $AUDIT_HOME (default ~/.cache/site-audit, as setup.sh).
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from unittest import mock

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE.parents[1]), str(HERE.parents[1] / "plugins")]

from comments_support import free_port, index_of, service_env, service_process
from desk.publish import publish
from nginx_support import configure, nginx_missing, running
from pouls_common.paths import ROOT

SITE = "pouls.example.fr"
PAGES = {"index": "/", "article": "/hematologie/hematologues-ouest-visioconference/"}
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
SERVER_AUDITS = ["uses-text-compression", "uses-long-cache-ttl", "uses-http2", "is-on-https", "server-response-time"]


def audit_dir():
    candidates = [os.environ.get("AUDIT_DIR"), ROOT.parent / "shared" / "audit", ROOT.parents[1] / "shared" / "audit"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "auditlib" / "lighthouse.py").is_file():
            return Path(candidate)
    sys.exit("lighthouse_nginx: the audit harness is not found; set AUDIT_DIR to its folder")


def page_summary(path, runs, lighthouse):
    """Medians over the runs; details from the run with the median performance score."""
    medians = {c: int(statistics.median(r["scores"][c] for r in runs)) for c in CATEGORIES}
    representative = sorted(runs, key=lambda r: r["scores"]["performance"])[len(runs) // 2]["lhr"]
    failing = {c: lighthouse._failing_audits(representative, c) for c in CATEGORIES}
    return {
        "url": f"https://{SITE}{path}", "scores": medians, "runs": [r["scores"] for r in runs],
        "server_audits": {a: representative["audits"].get(a, {}).get("score") for a in SERVER_AUDITS},
        "failing": {c: [f["id"] for f in items] for c, items in failing.items() if items},
        "metrics": {m: representative["audits"].get(m, {}).get("displayValue") for m in lighthouse.METRICS},
        "lighthouse_version": representative.get("lighthouseVersion"),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page (median reported)")
    parser.add_argument("--out", help="folder for the reports (default: a new temporary folder)")
    parser.add_argument("--preset", choices=["mobile", "desktop"], default="mobile")
    parser.add_argument("--side-by-side", action="store_true",
                        help="also run each page on the harness's own http.server, interleaved, for comparison")
    args = parser.parse_args(argv)
    if nginx_missing():
        sys.exit(f"lighthouse_nginx: {nginx_missing()}")
    harness = audit_dir()
    sys.path.insert(0, str(harness))
    from auditlib import lighthouse  # the harness's own Lighthouse runner
    from auditlib.servers import BASE_CHROME_FLAGS

    home = Path(os.environ.get("AUDIT_HOME") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "site-audit")
    node_modules = home / "node_modules"
    out = Path(args.out or tempfile.mkdtemp(prefix="lh-nginx-"))
    out.mkdir(parents=True, exist_ok=True)
    link = out / "site" / "output"
    link.parent.mkdir(exist_ok=True)
    intake_port = free_port()
    server = configure(out / "nginx", root=link, intake=f"127.0.0.1:{intake_port}", server_name=SITE)
    with mock.patch.dict(os.environ, {"POULS_SITEURL": f"https://{SITE}"}):
        os.environ.pop("POULS_COMMENTS_ENDPOINT", None)
        publish("publishconf.py", ROOT / "content", link, stream=sys.stderr)
    env = service_env(out / "queue.sqlite3", index_of(link), POULS_COMMENTS_ALLOWED_ORIGINS=f"https://{SITE}",
                      POULS_COMMENTS_SITE_URL=f"https://{SITE}", POULS_COMMENTS_TRUSTED_PROXY="127.0.0.1")
    flags = [*BASE_CHROME_FLAGS, "--ignore-certificate-errors",
             f"--host-resolver-rules=MAP {SITE} 127.0.0.1:{server.https_port}, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
    summary = {"lighthouse_runs": args.runs, "preset": args.preset, "servers": {}}
    servers = {"nginx": flags}
    harness_server = None
    if args.side_by_side:
        from auditlib.servers import SiteServer
        from auditlib.site import Site

        (out / "work").mkdir(exist_ok=True)
        harness_server = SiteServer(Site(str(link.resolve()), "/", f"https://{SITE}"), out / "work").start()
        servers["harness http.server"] = [*BASE_CHROME_FLAGS, *harness_server.chrome_flags()]
    try:
        with service_process(env, port=intake_port, log_path=out / "service.log"), running(server):
            for kind, path in PAGES.items():
                runs = {name: [] for name in servers}
                # Interleaved, so both servers see the same load on a shared machine.
                for i in range(args.runs):
                    for name, chrome_flags in servers.items():
                        label = name.split()[0]
                        runs[name].append(lighthouse.run_one(
                            f"https://{SITE}{path}", out / f"lighthouse-{label}-{kind}-run{i + 1}", "/usr/bin/chromium",
                            chrome_flags, args.preset, node_modules))
                for name, done in runs.items():
                    summary["servers"].setdefault(name, {})[kind] = page_summary(path, done, lighthouse)
                    medians = summary["servers"][name][kind]["scores"]
                    print(f"{name:20} {kind:8} " + ", ".join(f"{c} {medians[c]}" for c in CATEGORIES)
                          + f"  (performance runs {[r['scores']['performance'] for r in done]})")
                    print(f"{'':29} server audits: "
                          + ", ".join(f"{a} {s}" for a, s in summary["servers"][name][kind]["server_audits"].items()))
    finally:
        if harness_server is not None:
            harness_server.stop()
    print(f"reports in {out}")
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
