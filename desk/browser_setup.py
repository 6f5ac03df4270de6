"""Make sure the real programs the tests drive are installed (`make test` calls this first).

The tests use Debian's Chromium, never a browser downloaded by a test tool, and
Debian's nginx with its brotli_static module, running the shipped
deploy/nginx/pouls.conf (openssl makes the test certificate). As root we install
them with apt; otherwise we say exactly what to run and stop.
"""

import os
import shutil
import subprocess
import sys

# poppler-utils: pdfinfo counts the pages of a report printed to PDF (tests/test_social_browser.py).
# nginx, its Brotli module and openssl: tests/test_nginx.py serves a publication with the shipped
# configuration and a self-signed certificate.
PACKAGES = [
    "chromium", "chromium-driver", "fonts-dejavu-core", "fonts-liberation", "rsync", "poppler-utils",
    "nginx", "libnginx-mod-http-brotli-static", "openssl",
]
CHROMIUM = "/usr/bin/chromium"


def missing_packages():
    missing = []
    for name in PACKAGES:
        result = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", name],
            capture_output=True,
            text=True,
            check=False,
        )
        if "install ok installed" not in result.stdout:
            missing.append(name)
    return missing


def main():
    if shutil.which("dpkg-query") is None:
        if os.path.exists(CHROMIUM):
            return 0
        print(f"browser_setup: {CHROMIUM} is missing; install Chromium there to run the browser tests.")
        return 1
    missing = missing_packages()
    if not missing:
        return 0
    command = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    if os.geteuid() != 0:
        print("browser_setup: the tests need Debian packages that are not installed.")
        print("browser_setup: run:  sudo apt-get update && sudo " + " ".join(command))
        return 1
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    print("browser_setup: installing " + " ".join(missing), flush=True)
    if subprocess.run(command, env=env, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, check=True)
        subprocess.run(command, env=env, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
