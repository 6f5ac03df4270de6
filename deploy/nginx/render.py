#!/usr/bin/env python3
"""Fill in the names of deploy/nginx/pouls.conf and print the result (standard library only).

    python3 deploy/nginx/render.py \\
        --server-name pouls.example.fr --root /srv/pouls/output --intake 127.0.0.1:8001 \\
        --certificate /etc/letsencrypt/live/pouls.example.fr/fullchain.pem \\
        --certificate-key /etc/letsencrypt/live/pouls.example.fr/privkey.pem \\
        > /etc/nginx/sites-available/pouls.conf

Every value the file needs is on a line that ends with `# pouls: <name>`; this script
replaces the value of those lines only, so what it prints is the shipped file with
your names. A name the file does not have, or a marked line it cannot read, is an
error: the script and the file cannot drift apart. tests/test_nginx.py renders the
shipped file with it (test paths, ports on 127.0.0.1, no IPv6) and runs the result.
"""

import argparse
import re
import sys
from pathlib import Path

SHIPPED = Path(__file__).resolve().parent / "pouls.conf"
MARKED = re.compile(r"^(?P<indent>\s*)(?P<directive>[a-z_]+)\s+(?P<value>[^;#]+);\s*# pouls: (?P<name>[a-z0-9 ]+?)\s*$")
NAMES = (
    "intake address", "server name", "site root", "certificate", "certificate key",
    "https listen", "https listen ipv6", "http listen", "http listen ipv6",
)


class RenderError(ValueError):
    """The configuration cannot be filled in; the message says which name and why."""


def marked_values(text):
    """{name: value} of every marked line of `text`."""
    values = {}
    for number, line in enumerate(text.splitlines(), 1):
        if "# pouls:" not in line:
            continue
        match = MARKED.match(line)
        if not match:
            raise RenderError(f"line {number}: a « # pouls: » line must read « directive value;  # pouls: name »: {line.strip()!r}")
        values[match["name"]] = match["value"].strip()
    missing = [name for name in NAMES if name not in values]
    if missing:
        raise RenderError(f"the configuration has no line marked « # pouls: {missing[0]} »; restore it from deploy/nginx/pouls.conf")
    return values


def render(text, values):
    """`text` with the value of each marked line in `values` replaced; a value None drops the line."""
    unknown = sorted(set(values) - set(NAMES))
    if unknown:
        raise RenderError(f"unknown name {unknown[0]!r}; the names are: {', '.join(NAMES)}")
    for name, value in values.items():
        if value is not None and (not str(value).strip() or re.search(r"[;{}#\n]", str(value))):
            raise RenderError(f"{name} = {value!r}: give a plain value without ; {{ }} # or a line break")
    marked_values(text)
    lines = []
    for line in text.splitlines(keepends=True):
        match = MARKED.match(line.rstrip("\n")) if "# pouls:" in line else None
        if match and match["name"] in values:
            if values[match["name"]] is None:
                continue
            comment = line[line.index("# pouls:"):].rstrip("\n")
            line = f"{match['indent']}{match['directive']} {values[match['name']]};  {comment}\n"
        lines.append(line)
    return "".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-name", required=True, help="the site's host name, as in SITEURL")
    parser.add_argument("--root", required=True, help="the `output` link make publish swaps, e.g. /srv/pouls/output")
    parser.add_argument("--intake", default="127.0.0.1:8001", help="address:port of the comment service")
    parser.add_argument("--certificate", required=True, help="certificate chain (PEM)")
    parser.add_argument("--certificate-key", required=True, help="its private key (PEM)")
    parser.add_argument("--no-ipv6", action="store_true", help="listen on IPv4 only")
    parser.add_argument("--config", default=str(SHIPPED), help="the file to fill in (default: the shipped one)")
    args = parser.parse_args(argv)
    values = {
        "server name": args.server_name, "site root": args.root, "intake address": args.intake,
        "certificate": args.certificate, "certificate key": args.certificate_key,
    }
    if args.no_ipv6:
        values.update({"https listen ipv6": None, "http listen ipv6": None})
    try:
        sys.stdout.write(render(Path(args.config).read_text(encoding="utf-8"), values))
    except (OSError, RenderError) as error:
        print(f"render.py: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
