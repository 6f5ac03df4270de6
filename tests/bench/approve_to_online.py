"""From the « Approuver » click on the moderation desk to the comment online, on the sample site.

    .venv/bin/python tests/bench/approve_to_online.py [--runs 3]

A copy of the sample site (`content/`) is published once with the real `desk.publish` into a
temporary `output` link, served on 127.0.0.1 as nginx would serve it. The real comment
service (`python -m comments.service`) runs with its background publisher, whose command is the
real publication of that copy (`python -m desk.publish --content … --output …`, what
`make publish` runs). Each run: a reader's comment is posted through the service (form, then
preview with token, then confirm), a moderator logs in with headless Chromium and clicks
« Approuver »; the clock starts at the click and stops when the report page served over HTTP
shows `article.comment#comment-<id>`. The publication's own timestamps split the time into the
wait for more approvals (debounce) and the publication itself.

Times come from time.perf_counter (click → online) and the service's publish_state (split);
nothing here asserts on a duration. Prints each run and the medians.
"""

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "plugins"), str(ROOT / "tests")]

from browser import chromium, recorded_page, serve_directory
from comments import accounts, publisher, store
from comments_support import PASSWORD, free_port, index_of, service_env, service_process, submit
from pouls_common.paths import python_path

SLUG = "hematologues-ouest-visioconference"
REPORT = f"hematologie/{SLUG}/"


def page_has(base, comment_id):
    host, port = base.removeprefix("http://").split(":")
    connection = HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", f"/{REPORT}")
        return f'id="comment-{comment_id}"' in connection.getresponse().read().decode("utf-8")
    finally:
        connection.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="pouls-approve-"))
    try:
        content, output = tmp / "content", tmp / "output"
        shutil.copytree(ROOT / "content", content)
        output.mkdir()
        port = free_port()
        with serve_directory(output) as base:
            shutil.rmtree(output)
            command = f"{sys.executable} -m desk.publish --content {content} --output {output}"
            env = {
                **service_env(tmp / "queue.sqlite3", index_of(output), content=content),
                "POULS_COMMENTS_PUBLISH_COMMAND": command,
                "POULS_COMMENTS_ALLOWED_ORIGINS": f"{base},http://127.0.0.1:{port}",
                "POULS_COMMENTS_SITE_URL": base,
                "POULS_SITEURL": base,
                "POULS_COMMENTS_ENDPOINT": f"http://127.0.0.1:{port}/commentaires",
            }
            started = time.perf_counter()
            subprocess.run(command.split(), env=python_path(env), cwd=ROOT, check=True, capture_output=True)
            print(f"first publication of the sample site: {time.perf_counter() - started:.1f} s")
            with store.opened(env["POULS_COMMENTS_DB"]) as conn:
                accounts.add_moderator(conn, "anne", PASSWORD, time.time())
            results = []
            with service_process(env, port=port, log_path=tmp / "service.log") as (_, running), chromium() as browser:
                for run in range(args.runs):
                    body = f"Mesure {run + 1} : merci pour ce reportage sur la visioconférence."
                    fields = {"article": SLUG, "name": f"Lectrice {run + 1}", "email": "", "website": "",
                              "body": body, "homepage": ""}
                    status, _, _ = submit(running.url, fields, origin=base)
                    assert status == 303, status
                    with recorded_page(browser, javascript=False) as tab:
                        page = tab.page
                        page.goto(f"{running.url}/moderation/connexion")
                        page.get_by_label("Identifiant").fill("anne")
                        page.get_by_label("Mot de passe").fill(PASSWORD)
                        page.get_by_role("button", name="Se connecter").click()
                        item = page.locator("article.desk-item", has_text=f"Lectrice {run + 1}")
                        comment_id = item.locator("article.comment").get_attribute("id").removeprefix("comment-")
                        button = item.get_by_role("button", name="Approuver")
                        clicked = time.perf_counter()
                        button.click()
                    while not page_has(base, comment_id):
                        time.sleep(0.05)
                    online = time.perf_counter() - clicked
                    while True:  # the page is swapped in before the command exits and the state is written
                        with store.opened(env["POULS_COMMENTS_DB"]) as conn:
                            state = publisher.status(conn)
                        if state.state not in ("waiting", "running"):
                            break
                        time.sleep(0.05)
                    wait = state.started_ts - state.requested_ts
                    build = state.finished_ts - state.started_ts
                    results.append((online, wait, build))
                    print(f"run {run + 1}: click → online {online:.2f} s (wait for more approvals {wait:.2f} s, "
                          f"publication {build:.2f} s)")
                    time.sleep(1)
            medians = [statistics.median(column) for column in zip(*results, strict=True)]
            print(f"median of {args.runs}: click → online {medians[0]:.2f} s; wait {medians[1]:.2f} s; "
                  f"publication {medians[2]:.2f} s (debounce {publisher.DEBOUNCE:.0f} s, poll 1 s)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
