"""What the feeds plugin costs on a large site.

    .venv/bin/python tests/bench/bench_feeds.py            # 5 000 reports, 3 runs each
    .venv/bin/python tests/bench/bench_feeds.py 1000 1     # smaller, quicker

Builds one synthetic corpus (tests/bench/corpus.py) side by side, alternating, with the
development settings as they are and with "feeds" taken out of PLUGINS, and reports the
medians. Inside the full builds it also times the feeds plugin's own writer receiver
(planning, rendering and writing every feed and the « S’abonner » page); the difference of
the two medians also holds the autodiscovery links rendered into every page.

Each build runs in a fresh Python process: Pelican keeps memoized content between builds in
one process, which makes every later build slower and would blur the comparison.
"""

import functools
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "plugins"), str(HERE)]

import feeds.feeds as feeds_module
from corpus import make_corpus
from desk.build import build_site, load_settings

WRITER_SECONDS = []


def timed_writer(original):
    @functools.wraps(original)
    def write_feeds(generator, writer):
        start = time.perf_counter()
        try:
            return original(generator, writer)
        finally:
            WRITER_SECONDS.append(time.perf_counter() - start)

    return write_feeds


def build_once(content, output, with_feeds):
    """One build in this process: {"total": seconds, "writer": seconds or None}."""
    # The plugin registers feeds.feeds.write_feeds when Pelican loads it: wrap it first.
    feeds_module.write_feeds = timed_writer(feeds_module.write_feeds)
    plugins = list(load_settings()["PLUGINS"])
    if not with_feeds:
        plugins.remove("feeds")
    start = time.perf_counter()
    result = build_site(content=content, output=output, overrides={"PLUGINS": plugins})
    elapsed = time.perf_counter() - start
    if result.errors:
        raise SystemExit(f"bench_feeds: the build logged errors: {result.errors[:3]}")
    return {"total": elapsed, "writer": WRITER_SECONDS[-1] if WRITER_SECONDS else None}


def build_in_child(content, output, with_feeds):
    command = [sys.executable, __file__, "--one", str(content), str(output), "with" if with_feeds else "without"]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def feed_sizes(output):
    names = {"atom.xml", "rss.xml", "feed.json", "commentaires.atom.xml"}
    return [p.stat().st_size for p in Path(output).rglob("*") if p.name in names]


def main(n=5000, runs=3):
    with tempfile.TemporaryDirectory(prefix="bench-feeds-") as tmp:
        content = make_corpus(Path(tmp) / "content", n)
        with_feeds, without_feeds, writer = [], [], []
        for run in range(runs):
            # A fresh output folder per build, as `make publish` does, and nothing deleted until
            # the end: while the filesystem frees the tens of thousands of files of a removed
            # output, the next build runs up to twice as slow (measured on ext4).
            without_feeds.append(build_in_child(content, Path(tmp) / f"without-{run}", False)["total"])
            output = Path(tmp) / f"with-{run}"
            timing = build_in_child(content, output, True)
            with_feeds.append(timing["total"])
            writer.append(timing["writer"])
            sizes = feed_sizes(output)
            print(f"run {run + 1}: with feeds {with_feeds[-1]:.2f} s, without {without_feeds[-1]:.2f} s, "
                  f"feeds writer {writer[-1]:.2f} s", flush=True)
    full, bare, own = (statistics.median(v) for v in (with_feeds, without_feeds, writer))
    print(f"\n{n} reports, median of {runs} run(s), one process per build")
    print(f"  build with feeds      {full:8.2f} s")
    print(f"  build without feeds   {bare:8.2f} s")
    print(f"  difference            {full - bare:8.2f} s  ({(full - bare) / full:6.1%} of the build)")
    print(f"  feeds writer alone    {own:8.2f} s  ({own / full:6.1%} of the build)")
    print(f"  feeds written         {len(sizes):8d}  ({sum(sizes) / 1e6:.1f} MB, largest {max(sizes) / 1e3:.0f} kB)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(build_once(Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4] == "with")))
    else:
        main(*(int(arg) for arg in sys.argv[1:3]))
