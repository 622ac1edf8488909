"""Variables and templates: GIVEN a scope, WHEN a template is filled in, THEN every reference
is replaced once by its value."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.flows.variables import Scope

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_a_value_is_never_read_as_a_template() -> None:
    # GIVEN flow variables whose values look like references (a webhook or a caller gave them)
    scope = Scope({"msg": "pin $user.key.pin", "x": "${user.key.pin}"}, {"pin": "1234"}, {}, NOW)
    # WHEN templates insert them, braced or bare
    braced, bare = scope.interpolate("${flow.key.msg}"), scope.interpolate("$flow.key.x")
    # THEN the values come out as they are
    assert (braced, bare) == ("pin $user.key.pin", "${user.key.pin}")
