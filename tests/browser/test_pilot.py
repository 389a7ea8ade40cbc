"""The pilot calendar's heat map draws in chromium, for a week and for a month."""

from __future__ import annotations

import pytest

from tests.browser.conftest import shot, sign_in

pytestmark = pytest.mark.browser


def test_calendar_heat_map_draws_week_and_month(live_server: str, page) -> None:  # noqa: ANN001
    sign_in(page, live_server, "hz_operator", path="pilot_calendar")
    page.get_by_text("格中数字为空闲并行名额").first.wait_for()
    # the heat map streams in and is redrawn on reruns: wait until it stands at full height
    # (two resources' rows, not a collapsed strip) rather than reading a box that may be replaced
    tall = """() => { const c = document.querySelector("[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg");
                      return !!c && c.getBoundingClientRect().height > 100; }"""
    page.wait_for_function(tall, timeout=30_000)
    page.get_by_text("月", exact=True).click()
    page.wait_for_timeout(1500)
    page.wait_for_function(tall, timeout=30_000)
    assert page.get_by_text("各市月度利用率").is_visible()
    shot(page, "pilot_calendar_month")
