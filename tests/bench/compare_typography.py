"""Run the candidate French-typography libraries against the table of tests/test_typography.py.

    .venv/bin/python tests/bench/compare_typography.py            # pass counts + speed
    .venv/bin/python tests/bench/compare_typography.py --failures # and every failing case

Candidates (installed from requirements-dev.txt, never needed to build the site):
polytypo 1.16.0 (`html` mode, locale fr), typographeur 0.5.0, french-typo 1.6.1, and
Pouls's own rules (plugins/french_typography). Libraries that write `&nbsp;` entities
are also run with the entities turned into characters afterwards, to give them their
best chance; the raw output is what a build would get, and it fails our « never
`&nbsp;` » rule.

Speed is the median, over several rounds, of the time to typograph one report body
of the synthetic benchmark corpus (2 kB of HTML), measured with time.perf_counter.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import markdown

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE.parents[1]), str(HERE.parents[1] / "plugins"), str(HERE)]

from corpus import FILLER
from french_typography import typographize
from test_typography import CASES


def _entities_to_characters(text):
    return (
        text.replace("&nbsp;", "\u00a0").replace("&#160;", "\u00a0")
        .replace("&#8239;", "\u202f").replace("&#x202F;", "\u202f").replace("&#x202f;", "\u202f")
    )


def candidates():
    found = {"pouls (plugins/french_typography)": typographize}
    try:
        from polytypo import transform as polytypo_transform

        found["polytypo 1.16.0 (html, fr)"] = lambda text: polytypo_transform(text, locale="fr", mode="html")
    except ImportError:
        pass
    try:
        from typographeur import typographeur

        found["typographeur 0.5.0 (defaults)"] = typographeur
        found["typographeur 0.5.0 (no ligatures, entities → chars)"] = lambda text: _entities_to_characters(
            typographeur(text, fix_oe=False, fix_ae=False)
        )
    except ImportError:
        pass
    try:
        from french_typo import format_text

        found["french-typo 1.6.1 (add_nbsp)"] = lambda text: format_text(text, add_nbsp_enabled=True)
        found["french-typo 1.6.1 (add_nbsp, no sup, entities → chars)"] = lambda text: _entities_to_characters(
            format_text(text, add_nbsp_enabled=True, format_sup_numbers_enabled=False)
        )
    except ImportError:
        pass
    return found


def sample_body():
    paragraphs = [f"Au cœur du sujet, leucémie et lymphome : {FILLER}" for _ in range(5)]
    return markdown.markdown("\n\n".join(paragraphs))


def time_one(function, text, rounds=7, repeat=20):
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeat):
            function(text)
        timings.append((time.perf_counter() - start) / repeat)
    return statistics.median(timings)


def run(show_failures):
    body = sample_body()
    print(f"{len(CASES)} cases from tests/test_typography.py; speed on one {len(body)}-character report body\n")
    print(f"{'library':58} {'pass':>9} {'idempotent':>11} {'ms/body':>9}")
    for name, function in candidates().items():
        passed, idempotent, failures = 0, 0, []
        for case, text, expected in CASES:
            try:
                got = function(text)
                again = function(got)
            except Exception as error:  # a library crashing on a case is a failed case
                failures.append((case, text, expected, f"{type(error).__name__}: {error}"))
                continue
            if got == expected:
                passed += 1
            else:
                failures.append((case, text, expected, got))
            idempotent += again == got
        speed = time_one(function, body) * 1000
        print(f"{name:58} {passed:>4}/{len(CASES):<4} {idempotent:>6}/{len(CASES):<4} {speed:>9.3f}")
        if show_failures:
            for case, text, expected, got in failures:
                print(f"    ✗ {case}: {text!r}\n        expected {expected!r}\n        got      {got!r}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", action="store_true", help="print every failing case")
    run(parser.parse_args().failures)
