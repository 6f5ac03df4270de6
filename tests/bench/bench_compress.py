"""What the compression step of `make publish` costs on a large site (desk/compress.py).

    .venv/bin/python tests/bench/bench_compress.py [N reports, default 300] [repeats, default 3]

Builds a synthetic corpus of N reports once with publishconf.py, then measures, side by
side in one run, each `repeats` times on fresh copies of that build:

- a first publication: every copy compressed (gzip -9 and brotli quality 10);
- the next publication of the same content: every copy taken from the build online;
- gzip -9 alone, and brotli alone at the qualities worth comparing (the step uses
  desk.compress.BROTLI_QUALITY), on the same files.

Prints medians (seconds), throughput, time relative to gzip and size relative to gzip.
"""

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import brotli

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[1]), str(HERE.parents[1] / "plugins")]

from corpus import make_corpus
from desk import compress
from desk.build import build_site


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def main(n=300, repeats=3):
    work = Path(tempfile.mkdtemp(prefix="bench-compress-"))
    try:
        content = make_corpus(work / "content", n)
        built = build_site("publishconf.py", content=content, output=work / "built", quiet=True)
        assert not built.errors, built.errors
        files = [p for p in sorted(built.output.rglob("*")) if p.is_file() and compress.should_compress(p)]
        data = [p.read_bytes() for p in files]
        total = sum(map(len, data))
        qualities = (8, 9, 10, 11)
        times = {"first publication (gzip + brotli)": [], "same content again (reused)": [], "gzip -9": []}
        times.update({f"brotli quality {q}": [] for q in qualities})
        sizes = {"gzip -9": sum(len(compress.gzip_bytes(d)) for d in data)}
        sizes.update({f"brotli quality {q}": sum(len(brotli.compress(d, mode=brotli.MODE_TEXT, quality=q)) for d in data)
                      for q in qualities})
        report = None
        for round_ in range(repeats):
            online, fresh = work / f"online-{round_}", work / f"fresh-{round_}"
            shutil.copytree(built.output, online)
            shutil.copytree(built.output, fresh)
            seconds, report = timed(lambda: compress.compress_folder(online))  # noqa: B023
            times["first publication (gzip + brotli)"].append(seconds)
            seconds, again = timed(lambda: compress.compress_folder(fresh, online))  # noqa: B023
            assert again.reused == again.files
            times["same content again (reused)"].append(seconds)
            times["gzip -9"].append(timed(lambda: [compress.gzip_bytes(d) for d in data])[0])
            for q in qualities:
                times[f"brotli quality {q}"].append(
                    timed(lambda: [brotli.compress(d, mode=brotli.MODE_TEXT, quality=q) for d in data])[0]  # noqa: B023
                )
            shutil.rmtree(online)
            shutil.rmtree(fresh)
        print(f"{n} reports: {len(files)} files to compress, {total / 1e6:.1f} MB; {repeats} repeats, medians")
        print(f"  the step uses brotli quality {compress.BROTLI_QUALITY}")
        gzip_time = statistics.median(times["gzip -9"])
        for name, values in times.items():
            median = statistics.median(values)
            size = f"  size {sizes[name] / total:.3f} of the original, ×{sizes[name] / sizes['gzip -9']:.3f} gzip" if name in sizes else ""
            print(f"  {name:36} {median:7.2f} s  {total / median / 1e6:6.1f} MB/s  time ×{median / gzip_time:5.1f} gzip{size}")
        print(f"  written by the step: gzip {report.gzip_bytes / report.original_bytes:.3f}, "
              f"brotli {report.brotli_bytes / report.original_bytes:.3f} of the original")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
