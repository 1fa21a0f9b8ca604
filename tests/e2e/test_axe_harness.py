"""The accessibility check itself: it must catch real faults, or every journey's pass means nothing."""

from __future__ import annotations

import pytest

from tests.e2e.axe import assert_accessible


def test_the_accessibility_check_names_each_fault_and_the_element_at_fault(browser: object) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    try:
        page.set_content('<html lang="en"><head><title>Broken</title></head><body><main><h1>Vote</h1>'
                         '<form><input id="choice" type="text"><button type="submit"></button></form>'
                         '<img src="data:," ></main></body></html>')
        with pytest.raises(AssertionError) as caught:
            assert_accessible(page, "a page built to fail")
    finally:
        page.close()
    message = str(caught.value)
    assert "button-name" in message and "image-alt" in message and "#choice" in message


def test_a_sound_page_passes_the_accessibility_check(browser: object) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    try:
        page.set_content('<html lang="en"><head><title>Fine</title></head><body><main><h1>Vote</h1>'
                         '<form><label for="choice">Your choice</label><input id="choice" type="text">'
                         '<button type="submit">Vote</button></form></main></body></html>')
        assert_accessible(page, "a sound page")
    finally:
        page.close()
