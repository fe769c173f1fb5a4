"""A real browser (Debian's chromium, headless, driven by selenium) follows the one-time
sign-in link through every redirect to the example tool's page, signed in."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from immo_connect.clock import FrozenClock
from immo_connect.web.serve import listen
from tests.support.web import agency_with_myrentpro, running_demo_tool, running_site

CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMEDRIVER is None, reason="chromium-driver is not installed (make system-packages)"),
]


def test_chromium_follows_the_one_time_link_to_the_signed_in_tool(tmp_path: Path, clock: FrozenClock) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    tool_listener = listen("127.0.0.1", 0)
    with running_site(tmp_path, clock, tool_listener=tool_listener) as site, \
            running_demo_tool(site, tool_listener) as tool:
        agency = agency_with_myrentpro(site.platform)
        context = site.platform.tools.start(agency.manager, "myrentpro", agency.organisation.id, "manager")
        link = site.platform.sso.create_link(agency.manager, context)
        options = webdriver.ChromeOptions()
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         f"--user-data-dir={tmp_path / 'chromium'}"):
            options.add_argument(argument)
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        try:
            driver.get(link.url)
            who = WebDriverWait(driver, 20).until(expected_conditions.presence_of_element_located((By.ID, "who")))
            assert who.text.startswith("Connecté : Marc Janssens — Agence du Parc")
            assert driver.current_url == f"{tool}/"
            driver.find_element(By.ID, "charge").click()  # without money: the wallet refuses, politely
            message = WebDriverWait(driver, 20).until(
                expected_conditions.presence_of_element_located((By.ID, "message")))
            assert "insuffisant" in message.text
            driver.get(link.url)  # the link served once
            assert "Lien de connexion expiré" in driver.page_source
        finally:
            driver.quit()
