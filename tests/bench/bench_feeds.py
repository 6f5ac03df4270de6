"""What the feeds plugin costs on a large site.

    .venv/bin/python tests/bench/bench_feeds.py            # 5 000 reports, 3 runs each
    .venv/bin/python tests/bench/bench_feeds.py 1000 1     # smaller, quicker

Builds one synthetic corpus (tests/bench/corpus.py) side by side, alternating, with the
development settings as they are and with "feeds" taken out of PLUGINS, and reports the
medians. Inside the full builds it also times the feeds plugin's own writer receiver
(planning, rendering and writing every feed and the « S’abonner » page); the difference of
the two medians also holds the autodiscovery links rendered into every page.
"""

import functools
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT / "plugins"), str(HERE)]

import feeds.feeds as feeds_module  # noqa: E402  (after the path set-up above)
from corpus import make_corpus  # noqa: E402
from desk.build import build_site, load_settings  # noqa: E402

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


def build_once(content, output, plugins):
    shutil.rmtree(output, ignore_errors=True)
    start = time.perf_counter()
    result = build_site(content=content, output=output, overrides={"PLUGINS": plugins})
    elapsed = time.perf_counter() - start
    if result.errors:
        raise SystemExit(f"bench_feeds: the build logged errors: {result.errors[:3]}")
    return elapsed


def feed_sizes(output):
    names = {"atom.xml", "rss.xml", "feed.json", "commentaires.atom.xml"}
    return [p.stat().st_size for p in Path(output).rglob("*") if p.name in names]


def main(n=5000, runs=3):
    # The plugin registers feeds.feeds.write_feeds when Pelican loads it: wrap it first.
    feeds_module.write_feeds = timed_writer(feeds_module.write_feeds)
    plugins = list(load_settings()["PLUGINS"])
    without = [name for name in plugins if name != "feeds"]
    with tempfile.TemporaryDirectory(prefix="bench-feeds-") as tmp:
        content = make_corpus(Path(tmp) / "content", n)
        output = Path(tmp) / "output"
        with_feeds, without_feeds = [], []
        for run in range(runs):
            without_feeds.append(build_once(content, output, without))
            with_feeds.append(build_once(content, output, plugins))
            print(f"run {run + 1}: with feeds {with_feeds[-1]:.2f} s, without {without_feeds[-1]:.2f} s, "
                  f"feeds writer {WRITER_SECONDS[-1]:.2f} s", flush=True)
        sizes = feed_sizes(output)
    full, bare, writer = (statistics.median(v) for v in (with_feeds, without_feeds, WRITER_SECONDS))
    print(f"\n{n} reports, median of {runs} run(s)")
    print(f"  build with feeds      {full:8.2f} s")
    print(f"  build without feeds   {bare:8.2f} s")
    print(f"  difference            {full - bare:8.2f} s  ({(full - bare) / full:6.1%} of the build)")
    print(f"  feeds writer alone    {writer:8.2f} s  ({writer / full:6.1%} of the build)")
    print(f"  feeds written         {len(sizes):8d}  ({sum(sizes) / 1e6:.1f} MB, largest {max(sizes) / 1e3:.0f} kB)")


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
