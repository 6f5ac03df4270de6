"""Pouls's own signal, beside Pelican's.

`report_read(report)` is sent by the desk's reading (desk.reading.read_one) for every
report right after it is read — every `content_object_init` receiver has run, so the
body and fields are typographed — in a reading process; what its receivers set on the
report is kept with it in the build cache. A receiver may therefore change only the
report it is given, from what that report holds and the settings: the cache gives the
same result back for as long as the file's bytes, the settings and the plugins' code are
unchanged.

A plain `pelican` run and the preview's quick pass do not send it: a plugin that works
here does the same work in a later receiver for every report that lacks it
(article_meta: the reports without `reading_time`).
"""

from blinker import signal

report_read = signal("pouls_report_read")

# desk.build.reset_pelican_state forgets their receivers between builds, as Pelican's.
SIGNALS = (report_read,)
