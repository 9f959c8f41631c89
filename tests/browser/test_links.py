"""Addresses anyone can write into a link (``/restart?back=``) keep the patient on the site,
as Chromium itself reads them (issue 26: ``/%09/evil.example`` left the site 3 of 3 times)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screener.web.links import local_path

from ..test_flow_shape import OFF_SITE

pytestmark = pytest.mark.slow

SITE = "https://screener.clinic.example"
# What browsers treat specially in an address, beside ordinary characters.
TRICKY = st.sampled_from(["/", "\\", "\t", "\n", "\r", " ", "\x00", "\x0b", "\x7f", ":", "%",
                          ".", "@", "?", "#", "evil.example", "javascript:", "https:", "\u3002",
                          "\uff0f", "\u2044", "\u00a0", "\ufeff", "%2F", "%5C", "%09"])
CANDIDATES = st.lists(st.lists(TRICKY, max_size=8).map("".join) | st.text(max_size=12),
                      min_size=1, max_size=40)


@pytest.mark.parametrize("back", ["/%09/evil.example", "//evil.example", "/%5Cevil.example",
                                  "https:evil.example"])
def test_keep_my_answers_stays_on_the_site(page, base_url, back):
    page.goto(f"{base_url}/restart?back={back}")
    with page.expect_navigation():
        page.get_by_role("link", name="No, keep my answers").click()
    assert page.url == base_url + "/", page.url


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(targets=CANDIDATES)
def test_whatever_is_asked_for_chromium_resolves_it_on_the_site(page, targets):
    kept = [local_path(target, "/") for target in [*targets, *OFF_SITE]]
    origins = page.evaluate(
        "([paths, base]) => paths.map(p => new URL(p, base + '/step/a').origin)",
        [kept, SITE])
    candidates = targets + OFF_SITE
    assert set(origins) == {SITE}, [(t, k) for t, k, o in zip(candidates, kept, origins,
                                                               strict=True) if o != SITE]
