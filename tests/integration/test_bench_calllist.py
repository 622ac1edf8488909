"""The call-list bench (``bench.calllist``) shrunk: a list loaded through the campaign's path,
one chunk delivered twice, stores and counts every row exactly once (timings are printed by
``make bench``, never asserted)."""

from __future__ import annotations

from bench import calllist


def test_a_list_loads_every_row_once_also_with_a_chunk_delivered_twice() -> None:
    figures = calllist.measure(2500)
    assert figures.chunks == 3
    assert figures.stored == figures.counted == figures.rows == 2500
    assert figures.baseline_stored == 2500
