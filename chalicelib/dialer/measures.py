"""A dialer campaign's measures, pure: one live answer's outcome taken into a campaign's stats
(its abandonment window, the power ratio the control sets next, totals and the latest waits for
an agent), and the figures the live picture shows (abandonment rate over the window, answers,
the ratio, the waits' p50 and p99). The rules are ``dialer.pacing``'s (decision 0040). Imports
the dialer's pacing and records; no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from chalicelib.dialer.pacing import (
    AbandonmentBucket,
    AbandonmentWindow,
    DialMode,
    RatioControl,
    is_abandoned,
    next_ratio,
)
from chalicelib.store.dialer_records import DialerCampaignStats

MAX_WAITS = 500
"""The latest waits a campaign keeps for its percentiles."""


def window_of(stats: DialerCampaignStats) -> AbandonmentWindow:
    """The campaign's abandonment window."""
    return AbandonmentWindow(
        buckets=tuple(AbandonmentBucket(start, n, a) for start, n, a in stats.buckets)
    )


def control_of(stats: DialerCampaignStats) -> RatioControl:
    """The ratio control of the campaign's settings (its ceiling and maximum ratio)."""
    ceiling = min(max(stats.ceiling, 0.001), 1.0)
    return RatioControl(
        ceiling=ceiling,
        lower_at=min(0.02, ceiling * 2 / 3),
        raise_under=min(0.01, ceiling / 3),
        max_ratio=max(1.0, stats.max_ratio),
    )


def recorded(
    stats: DialerCampaignStats,
    answered_at: datetime,
    connected_at: datetime | None,
    now: datetime,
    waiting_since: datetime | None = None,
    abandon_after: timedelta | None = None,
) -> DialerCampaignStats:
    """``stats`` with one more live answer (connected at ``connected_at``, or never): the
    window, the totals, the wait (from ``waiting_since``, the customer reaching the agent node;
    the answer by default) and, in power mode, the ratio the control sets next. Abandoned: never
    connected, or connected later than ``abandon_after`` after the wait began (when given)."""
    since = waiting_since or answered_at
    limit = abandon_after if abandon_after is not None else timedelta.max
    abandoned = is_abandoned(since, connected_at, limit)
    window = window_of(stats).recorded(answered_at, abandoned=abandoned).trimmed(now)
    ratio = stats.ratio
    if stats.mode == DialMode.POWER.value:
        ratio = next_ratio(
            stats.ratio,
            window.rate(now),
            control_of(stats),
            answers=window.live_answered(now),
        )
    else:
        ratio = 1.0
    waits = stats.waits
    if connected_at is not None:
        wait = max(0.0, (connected_at - since).total_seconds())
        waits = (*waits, wait)[-MAX_WAITS:]
    return replace(
        stats,
        buckets=tuple((b.start, b.answered, b.abandoned) for b in window.buckets),
        ratio=ratio,
        answered=stats.answered + 1,
        connected=stats.connected + int(connected_at is not None),
        abandoned=stats.abandoned + int(abandoned),
        waits=waits,
        updated_at=now,
    )


def percentile(values: tuple[float, ...] | list[float], share: float) -> float:
    """The nearest-rank percentile ``share`` (0 to 1) of ``values`` (0.0 when empty)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass(frozen=True)
class Figures:
    """What the live picture shows of a campaign at one moment."""

    campaign_id: str
    group_id: str
    mode: str
    ratio: float
    live_answered: int
    abandoned: int
    abandon_rate: float
    ceiling: float
    answered_total: int
    connected_total: int
    wait_p50: float
    wait_p99: float


def figures(stats: DialerCampaignStats, now: datetime) -> Figures:
    """The campaign's figures at ``now`` (the window's rate, the totals, the waits)."""
    window = window_of(stats)
    return Figures(
        campaign_id=stats.campaign_id,
        group_id=stats.group_id,
        mode=stats.mode,
        ratio=stats.ratio,
        live_answered=window.live_answered(now),
        abandoned=window.abandoned(now),
        abandon_rate=window.rate(now),
        ceiling=stats.ceiling,
        answered_total=stats.answered,
        connected_total=stats.connected,
        wait_p50=percentile(stats.waits, 0.5),
        wait_p99=percentile(stats.waits, 0.99),
    )
