"""The dashboard in a real browser: Debian's Chromium driven by Selenium through chromedriver.

Screenshots go to ``$TRADEWAR_ARTIFACTS`` (default: ``tradewar-artifacts`` in the temp folder).
Without Chromium the tests are skipped, unless ``TRADEWAR_REQUIRE_BROWSER=1`` (as in CI), when
they fail.
"""

from __future__ import annotations

import base64
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from helpers.live_server import live_server
from tradewar.web import WebSettings

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARTIFACTS = Path(
    os.environ.get("TRADEWAR_ARTIFACTS") or Path(tempfile.gettempdir()) / "tradewar-artifacts"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live_server(WebSettings(data_dir=tmp_path_factory.mktemp("web"))) as url:
        yield url


@pytest.fixture
def browser():
    if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
        message = f"Chromium or chromedriver not installed ({CHROMIUM}, {DRIVER})"
        if os.environ.get("TRADEWAR_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="tradewar-chromium-")
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--window-size=1366,900",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait(driver, condition, timeout=240):
    return WebDriverWait(driver, timeout, poll_frequency=0.2).until(condition)


def status(driver):
    return driver.find_element(By.ID, "status")


def shown_welfare(driver, slot="a"):
    """Welfare by country as the page shows it: {code: (text, full-precision value)}."""
    cells = driver.find_elements(By.CSS_SELECTOR, f"#welfare-table-{slot} td.welfare")
    rows = driver.find_elements(By.CSS_SELECTOR, f"#welfare-table-{slot} tbody tr")
    return {
        row.get_attribute("data-country"): (cell.text, float(cell.get_attribute("data-value")))
        for row, cell in zip(rows, cells, strict=True)
    }


def wait_for_results(driver, slot="a"):
    wait(
        driver,
        lambda d: (
            d.find_elements(By.ID, f"welfare-table-{slot}")
            or "error" in status(d).get_attribute("class")
        ),
    )
    assert "error" not in status(driver).get_attribute("class"), status(driver).text


def screenshot(driver, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    width = driver.execute_script("return window.innerWidth")
    driver.set_window_size(max(width, 400), min(height + 100, 6000))
    path = ARTIFACTS / name
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000
    return path


def test_us_china_preset_matches_the_cli(server, browser):
    browser.get(server + "/")
    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#preset option")) > 10)
    Select(browser.find_element(By.ID, "preset")).select_by_value("us_china_2025")
    wait(browser, lambda d: "Preset loaded" in status(d).text)
    assert browser.find_element(By.ID, "world").get_attribute("value") == "wiod2023-ree"
    browser.find_element(By.ID, "run").click()
    wait_for_results(browser)
    shown = shown_welfare(browser)
    assert {"USA", "CHN"} <= set(shown)
    cli = subprocess.run(
        [sys.executable, "-m", "tradewar.cli", "run", "scenarios/us_china_2025.toml", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    expected = {c["country"]: c["welfare_pct"] for c in json.loads(cli.stdout)["countries"]}
    for code, (text, value) in shown.items():
        assert value == pytest.approx(expected[code], rel=1e-9, abs=1e-12)
        assert text == f"{expected[code]:.3f}"
    assert browser.find_element(By.ID, "converged-a").text == "converged"
    for chart in (
        "chart-welfare-a",
        "chart-tot-a",
        "chart-decomposition-a",
        "chart-heat-a",
        "chart-sectors-a",
    ):
        assert browser.find_elements(By.CSS_SELECTOR, f"#{chart} .main-svg"), chart
    assert browser.find_elements(By.CSS_SELECTOR, "#chart-timeline-a .main-svg")
    who = browser.find_elements(By.CSS_SELECTOR, "#who-won-a tbody tr")
    assert len(who) == 18
    # The focus pair's effective tariff rates at every step, as the library computes them.
    steps = json.loads(cli.stdout)["steps"]
    rates = browser.find_elements(By.CSS_SELECTOR, "#effective-tariffs-a tbody tr")
    assert len(rates) == len(steps) == 18
    for row, step in zip(rates, steps, strict=True):
        us_on_china = next(
            e for e in step["effective_tariffs"] if (e["importer"], e["partner"]) == ("USA", "CHN")
        )
        cells = row.find_elements(By.CSS_SELECTOR, "td.statutory")
        assert float(cells[0].get_attribute("data-value")) == pytest.approx(
            us_on_china["statutory_pct"], rel=1e-9
        )
        # Bilateral trade and duties in money, as the library has them at that step.
        for css, key in (("imports", "imports_after"), ("duties", "tariff_revenue")):
            cell = row.find_elements(By.CSS_SELECTOR, f"td.{css}")[0]
            assert float(cell.get_attribute("data-value")) == pytest.approx(
                us_on_china[key], rel=1e-9
            )
    # Tariff revenue's path over the timeline, per picked country, from the library.
    revenue = browser.execute_script(
        "const el = document.getElementById('chart-revenue-a');"
        "return el.data.map((t) => ({name: t.name, y: t.y}));"
    )
    by_name = {trace["name"]: trace["y"] for trace in revenue}
    us_path = [
        next(c for c in step["countries"] if c["country"] == "USA")["tariff_revenue"]
        for step in steps
    ]
    assert by_name["United States"] == pytest.approx(us_path, rel=1e-9)
    assert browser.find_elements(By.ID, "timeline-countries-a")
    # The timeline: one evenly spaced position per step, a step line, the focus pair first.
    timeline = browser.execute_script(
        "const el = document.getElementById('chart-timeline-a');"
        "return {ticks: el.layout.xaxis.tickvals, shapes: el.data.map((t) => t.line.shape),"
        " names: el.data.map((t) => t.name)};"
    )
    assert timeline["ticks"] == list(range(18))
    assert set(timeline["shapes"]) == {"hv"}
    assert timeline["names"][:2] == ["United States", "China"]
    # The truce's driver sentence (tariff revenue decides the US sign), as text.
    last = json.loads(cli.stdout)["steps"][-1]["welfare_drivers"]
    drivers = [p.text for p in browser.find_elements(By.CSS_SELECTOR, "p.driver")]
    assert drivers == [d["sentence"] for d in last] and drivers
    screenshot(browser, "dashboard-us-china-2025.png")

    # The address holds the whole state: opening it again reproduces the result.
    link = browser.current_url
    assert "#state=" in link
    browser.get("about:blank")
    browser.get(link)
    wait_for_results(browser)
    assert shown_welfare(browser) == shown


TINY_RUN = {
    "name": "HOM tariff 20",
    "world": "tiny",
    "model": "caliendo-parro",
    "deficits": "keep",
    "policy": [{"kind": "tariff", "importer": "HOM", "exporter": "FOR", "add_pct": 20}],
    "step": [],
}


def _link(server, state):
    text = base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")
    return f"{server}/#state={text}"


def test_compare_two_scenarios_from_a_link(server, browser):
    a = TINY_RUN
    b = {**a, "name": "HOM tariff 60", "policy": [{**a["policy"][0], "add_pct": 60}]}
    state = {"slots": {"a": a, "b": b}, "presets": {}, "active": "a", "compare": True}
    browser.get(_link(server, state))
    wait_for_results(browser, "b")
    import tradewar as tw

    for slot, scenario in (("a", a), ("b", b)):
        expected = tw.run_scenario(tw.parse_scenario(scenario)).country_table()["welfare_pct"]
        shown = shown_welfare(browser, slot)
        assert set(shown) == {"HOM", "FOR", "ROW"}
        for code, (_, value) in shown.items():
            assert value == pytest.approx(expected[code], rel=1e-9, abs=1e-12)
    assert browser.find_elements(By.CSS_SELECTOR, "#chart-diff .main-svg")
    assert browser.find_element(By.ID, "tab-b").is_displayed()


def test_errors_are_shown_with_their_field(server, browser):
    bad = {
        "name": "bad",
        "world": "tiny",
        "policy": [{"kind": "tariff", "importer": "XXX", "exporter": "FOR", "add_pct": 5}],
        "step": [],
    }
    browser.get(_link(server, {"slots": {"a": bad, "b": None}, "compare": False}))
    wait(browser, lambda d: "error" in status(d).get_attribute("class"))
    assert "policy[0].importer" in status(browser).text
    assert "unknown code 'XXX'" in status(browser).text


def test_reads_on_a_phone(server, browser):
    browser.set_window_size(390, 844)
    a = {
        "name": "phone",
        "world": "tiny",
        "policy": [{"kind": "tariff", "importer": "HOM", "exporter": "FOR", "add_pct": 20}],
        "step": [],
    }
    browser.get(_link(server, {"slots": {"a": a, "b": None}, "compare": False}))
    wait_for_results(browser)
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"the page is {overflow} px wider than a phone screen"
    controls = browser.find_element(By.ID, "controls").rect
    results = browser.find_element(By.ID, "results").rect
    assert results["y"] >= controls["y"] + controls["height"] - 1  # one column, stacked
    screenshot(browser, "dashboard-phone.png")


PAYLOAD = '"><img src=x onerror="window.__pwned = (window.__pwned || 0) + 1">'


def _not_pwned(driver):
    return driver.execute_script("return window.__pwned === undefined")


def test_a_crafted_link_cannot_run_a_script(server, browser):
    # Once, a policy's importer or the scenario name in a shared link became markup.
    scenario = {
        "name": "<script>window.__pwned = 1</script>" + PAYLOAD,
        "world": "tiny",
        "model": "caliendo-parro",
        "deficits": "keep",
        "policy": [{"kind": "tariff", "importer": PAYLOAD, "exporter": "FOR", "add_pct": 20}],
        "step": [],
    }
    state = {"slots": {"a": scenario, "b": None}, "presets": {}, "active": "a", "compare": False}
    browser.get(_link(server, state))
    wait(browser, lambda d: "error" in status(d).get_attribute("class"))
    assert _not_pwned(browser)
    assert not browser.find_elements(By.CSS_SELECTOR, "#policies img, #panels img")
    importer = browser.find_element(By.CSS_SELECTOR, "#policies input.importer")
    assert importer.get_attribute("value") == PAYLOAD  # shown as the text it is
    assert browser.find_element(By.ID, "name").get_attribute("value") == scenario["name"]


def test_a_crafted_world_cannot_run_a_script(server, browser):
    # Once, an uploaded world's country name became markup as soon as it was chosen.
    import httpx

    from test_web_security import ZIP, world_zip

    upload = httpx.post(
        server + "/api/worlds", content=world_zip("crafted", PAYLOAD), headers=ZIP, timeout=60
    )
    assert upload.status_code == 201, upload.text
    browser.get(server + "/")
    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#world option")) > 3)
    Select(browser.find_element(By.ID, "world")).select_by_value("crafted")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#country-codes option[value='HOM']"))
    assert _not_pwned(browser)
    names = [
        o.get_attribute("textContent")
        for o in browser.find_elements(By.CSS_SELECTOR, "#country-codes option")
    ]
    assert PAYLOAD in names
    browser.find_element(By.ID, "run").click()
    wait_for_results(browser)
    assert _not_pwned(browser)
    assert not browser.find_elements(By.CSS_SELECTOR, "#panels img")


def test_the_welfare_table_shows_names_money_prices_and_effective_tariffs(server, browser):
    import tradewar as tw

    browser.get(_link(server, {"slots": {"a": TINY_RUN, "b": None}, "compare": False}))
    wait_for_results(browser)
    world = tw.load_world("tiny")
    expected = tw.run_scenario(tw.parse_scenario(TINY_RUN)).country_table()
    rows = browser.find_elements(By.CSS_SELECTOR, "#welfare-table-a tbody tr")
    assert len(rows) == 3
    for row in rows:
        code = row.get_attribute("data-country")
        name_cell = row.find_element(By.CSS_SELECTOR, "td")
        assert name_cell.text == world.country_names[world.country_index(code)]
        assert name_cell.get_attribute("title") == code  # the code on hover
        for css, column in (
            ("ev", "equivalent_variation"),
            ("import-prices", "import_price_duty_paid_pct"),
            ("statutory", "statutory_tariff_pct"),
            ("realised", "realised_tariff_pct"),
        ):
            shown = float(
                row.find_element(By.CSS_SELECTOR, f"td.{css}").get_attribute("data-value")
            )
            assert shown == pytest.approx(expected.loc[code, column], rel=1e-9, abs=1e-9), css
        # The tiny world's made-up countries have no household counts: shown as a dash, not 0.
        household = row.find_element(By.CSS_SELECTOR, "td.ev-household")
        assert math.isnan(expected.loc[code, "equivalent_variation_per_household"])
        assert household.text == "–" and household.get_attribute("data-value") == ""


def test_a_failed_run_clears_the_old_results(server, browser):
    browser.get(_link(server, {"slots": {"a": TINY_RUN, "b": None}, "compare": False}))
    wait_for_results(browser)
    assert browser.find_element(By.ID, "downloads").is_displayed()
    importer = browser.find_element(By.CSS_SELECTOR, ".policy .importer")
    importer.clear()
    importer.send_keys("XXX")
    browser.find_element(By.ID, "run").click()
    wait(browser, lambda d: "error" in status(d).get_attribute("class"))
    assert not browser.find_elements(By.ID, "welfare-table-a")  # nothing stale left on screen
    assert not browser.find_element(By.ID, "downloads").is_displayed()


def test_editing_a_policy_keeps_the_keyboard_focus(server, browser):
    from selenium.webdriver.common.keys import Keys

    browser.get(_link(server, {"slots": {"a": TINY_RUN, "b": None}, "compare": False}))
    wait_for_results(browser)
    importer = browser.find_element(By.CSS_SELECTOR, ".policy .importer")
    importer.clear()
    importer.send_keys("ROW", Keys.TAB)  # the change event fires as focus moves on
    active = browser.switch_to.active_element
    assert "exporter" in active.get_attribute("class")
    assert browser.find_element(By.CSS_SELECTOR, ".policy .importer") == importer  # not rebuilt


def test_a_step_preset_shows_the_policies_in_force(server, browser):
    browser.get(server + "/")
    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#preset option")) > 10)
    Select(browser.find_element(By.ID, "preset")).select_by_value("us_china_2025@12")
    wait(browser, lambda d: "Preset loaded" in status(d).text)
    import tradewar as tw

    scenario = tw.load_scenario(ROOT / "scenarios" / "us_china_2025.toml").as_of(12)
    cards = browser.find_elements(By.CSS_SELECTOR, "#policies .policy")
    assert len(cards) == len(scenario.step[0].policy) > 0
    note = browser.find_element(By.ID, "timeline-note").text
    assert note.startswith("Every policy in force on")


def test_every_chart_has_its_csv_and_a_source_note(server, browser):
    import tradewar as tw

    browser.get(_link(server, {"slots": {"a": TINY_RUN, "b": None}, "compare": False}))
    wait_for_results(browser)
    charts = browser.find_elements(By.CSS_SELECTOR, "#panels .chart")
    assert charts
    for chart in charts:
        chart_id = chart.get_attribute("id")
        assert browser.find_element(By.ID, chart_id + "-csv").text == "CSV of this chart"
    notes = [p.text for p in browser.find_elements(By.CSS_SELECTOR, "#panels p.source")]
    assert notes and all(n.startswith("Source: tradewar on tiny (caliendo-parro") for n in notes)
    rows = browser.execute_script("return chartRows(document.getElementById('chart-welfare-a'));")
    assert rows[0] == ["series", "x", "y", "value"]
    world = tw.load_world("tiny")
    names = dict(zip(world.country_names, world.countries, strict=True))
    expected = tw.run_scenario(tw.parse_scenario(TINY_RUN)).country_table()
    welfare = [r for r in rows[1:] if r[0] == "Welfare"]
    assert len(welfare) == 3
    for _, name, _, value in welfare:
        assert value == pytest.approx(expected.loc[names[name], "welfare_pct"], rel=1e-9)


def test_a_nash_job_from_the_dashboard_matches_the_library(server, browser):
    import tradewar as tw
    from tradewar.game import nash_tariffs
    from tradewar.game.build import build_game

    browser.get(_link(server, {"slots": {"a": TINY_RUN, "b": None}, "compare": False}))
    wait_for_results(browser)
    Select(browser.find_element(By.ID, "game-kind")).select_by_value("nash")
    countries = browser.find_element(By.ID, "game-countries")
    countries.clear()
    countries.send_keys("HOM, FOR")
    browser.find_element(By.ID, "game-run").click()
    wait(
        browser,
        lambda d: (
            d.find_elements(By.ID, "game-table")
            or "error" in d.find_element(By.ID, "game-status").get_attribute("class")
        ),
    )
    assert browser.find_element(By.ID, "game-status").text == "Solved."
    assert browser.find_element(By.ID, "game-converged").text == "converged"
    expected = nash_tariffs(
        build_game(tw.load_world("tiny"), "caliendo-parro"), ["HOM", "FOR"]
    ).country_table()
    rows = browser.find_elements(By.CSS_SELECTOR, "#game-table tbody tr")
    assert {r.get_attribute("data-country") for r in rows} == {"HOM", "FOR", "ROW"}
    for row in rows:
        code = row.get_attribute("data-country")
        welfare = float(row.find_element(By.CSS_SELECTOR, "td.welfare").get_attribute("data-value"))
        assert welfare == pytest.approx(expected.loc[code, "welfare_pct"], rel=1e-6, abs=1e-9)
    presets = browser.find_elements(By.CSS_SELECTOR, "#game-preset option")
    assert len(presets) == 5  # the prompt and four presets


def test_the_welfare_map_draws_from_geometry_served_locally(server, browser):
    import tradewar as tw

    scenario = {
        "name": "US tariff on China",
        "world": "wiod2014-s3",
        "model": "caliendo-parro",
        "deficits": "keep",
        "policy": [{"kind": "tariff", "importer": "USA", "exporter": "CHN", "add_pct": 25}],
        "step": [],
    }
    browser.get(_link(server, {"slots": {"a": scenario, "b": None}, "compare": False}))
    wait_for_results(browser)
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#chart-map-a .choroplethlocation"))
    shapes = browser.find_elements(By.CSS_SELECTOR, "#chart-map-a .choroplethlocation")
    assert len(shapes) >= 40  # the world's countries with an ISO-3 outline
    fetched = browser.execute_script(
        "return performance.getEntriesByType('resource').map((e) => e.name);"
    )
    assert any(url.endswith("/static/topojson/world_110m.json") for url in fetched)
    assert all(url.startswith(server) for url in fetched)  # nothing from the internet
    rows = browser.execute_script("return chartRows(document.getElementById('chart-map-a'));")
    expected = tw.run_scenario(tw.parse_scenario(scenario)).country_table()["welfare_pct"]
    for _, code, _, value in rows[1:]:
        assert value == pytest.approx(expected[code], rel=1e-9, abs=1e-12)


def test_monte_carlo_bands_are_the_librarys_quantiles(server, browser):
    import tradewar as tw
    from tradewar.uncertainty import monte_carlo

    scenario = {
        **TINY_RUN,
        "uncertainty": {
            "draws": 6,
            "seed": 7,
            "parameter": [
                {"path": "parameters.theta.MAN", "distribution": "uniform", "low": 3.0, "high": 6.0}
            ],
        },
    }
    browser.get(_link(server, {"slots": {"a": scenario, "b": None}, "compare": False}))
    wait_for_results(browser)
    browser.find_element(By.ID, "draw-bands").click()
    wait(
        browser,
        lambda d: "Bands drawn" in status(d).text or "error" in status(d).get_attribute("class"),
    )
    assert status(browser).text == "Bands drawn.", status(browser).text
    trace = browser.execute_script(
        "const t = document.getElementById('chart-welfare-a').data[0];"
        "return {x: t.customdata, y: t.y, up: t.error_y.array, down: t.error_y.arrayminus};"
    )
    drawn = monte_carlo(tw.parse_scenario(scenario), scheduler="none").summary()
    last = drawn[(drawn.step == drawn.step.max()) & (drawn.variable == "welfare_pct")]
    bands = last.set_index("country")
    for code, y, up, down in zip(trace["x"], trace["y"], trace["up"], trace["down"], strict=True):
        assert y + up == pytest.approx(bands.loc[code, "q95"], rel=1e-9, abs=1e-12)
        assert y - down == pytest.approx(bands.loc[code, "q5"], rel=1e-9, abs=1e-12)


def test_compared_sides_share_order_axes_and_colour_scale(server, browser):
    a = {**TINY_RUN, "name": "small"}
    b = {**TINY_RUN, "name": "large", "policy": [{**TINY_RUN["policy"][0], "add_pct": 80}]}
    browser.get(_link(server, {"slots": {"a": a, "b": b}, "compare": True, "active": "a"}))
    wait_for_results(browser, "b")
    order = [
        [
            r.get_attribute("data-country")
            for r in browser.find_elements(By.CSS_SELECTOR, f"#welfare-table-{s} tbody tr")
        ]
        for s in ("a", "b")
    ]
    assert order[0] == order[1]
    ranges = browser.execute_script(
        "return ['a', 'b'].map((s) =>"
        " document.getElementById('chart-welfare-' + s).layout.yaxis.range);"
    )
    assert ranges[0] == ranges[1]
    scales = browser.execute_script(
        "return ['a', 'b'].map((s) => {"
        " const t = document.getElementById('chart-heat-' + s).data[0];"
        " return [t.zmin, t.zmax]; });"
    )
    assert scales[0] == scales[1]


def test_the_heatmap_tells_large_changes_from_small_ones(server, browser):
    """Colours on a signed log scale: a cell ten times larger is clearly darker, never capped."""
    browser.get(
        _link(
            server,
            {
                "slots": {
                    "a": {
                        **TINY_RUN,
                        "policy": [
                            {"kind": "tariff", "importer": "HOM", "exporter": "FOR", "add_pct": 300}
                        ],
                    },
                    "b": None,
                },
                "compare": False,
            },
        )
    )
    wait_for_results(browser)
    trace = browser.execute_script(
        "const t = document.getElementById('chart-heat-a').data[0];"
        "return {z: t.z, raw: t.customdata, zmax: t.zmax, text: t.colorbar.ticktext};"
    )
    raw = [v for row in trace["raw"] for v in row if v is not None]
    coloured = [v for row in trace["z"] for v in row if v is not None]
    largest = max(raw, key=abs)
    assert largest < -50  # HOM's imports from FOR collapse under a 300-point tariff
    assert max(abs(v) for v in coloured) == pytest.approx(trace["zmax"])  # not saturated
    for value, colour in zip(raw, coloured, strict=True):
        assert colour == pytest.approx((1 if value > 0 else -1) * math.log10(1 + abs(value)))


def test_sector_bars_are_named_and_one_outlier_does_not_flatten_the_rest(server, browser):
    import tradewar as tw

    browser.get(_link(server, {"slots": {"a": TINY_RUN, "b": None}, "compare": False}))
    wait_for_results(browser)
    trace = browser.execute_script(
        "const el = document.getElementById('chart-sectors-a');"
        "return {x: el.data[0].x, exact: el.data[0].customdata, range: el.layout.yaxis.range};"
    )
    world = tw.load_world("tiny")
    assert trace["x"] == list(world.sector_names)  # names on the axis, codes on hover
    frame = tw.run_scenario(tw.parse_scenario(TINY_RUN)).to_frame()
    rows = frame[(frame.country == "HOM") & (frame.variable == "output_real_pct")]
    expected = rows.set_index("sector")["value"]
    codes = [row[0] for row in trace["exact"]]
    exact = [row[1] for row in trace["exact"]]
    assert codes == list(world.sectors)
    for code, value in zip(codes, exact, strict=True):
        truth = expected[code] if abs(expected[code]) >= 1e-9 else 0.0  # rounding noise as zero
        assert value == pytest.approx(truth, rel=1e-9, abs=1e-12)
    # The axis spans the 5th to the 95th percentile (with zero) and a margin, not the extremes.
    ordered = sorted(exact)
    q05 = ordered[round(0.05 * (len(ordered) - 1))]
    q95 = ordered[round(0.95 * (len(ordered) - 1))]
    low, high = min(0, q05), max(0, q95)
    pad = 0.15 * ((high - low) or 1)
    assert trace["range"] == pytest.approx([low - pad, high + pad])


def test_downloads_give_the_scenario_on_screen_not_later_edits(server, browser):
    browser.get(_link(server, {"slots": {"a": TINY_RUN, "b": None}, "compare": False}))
    wait_for_results(browser)
    value = browser.find_element(By.CSS_SELECTOR, ".policy .value")
    value.clear()
    value.send_keys("90")
    browser.find_element(By.ID, "name").click()  # the edit is read as focus leaves the field
    sent = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "window.fetch = (url, options) => { done([url, options.body]);"
        " return new Promise(() => {}); };"
        "download('csv');"
    )
    url, body = sent
    assert url == "/api/run?format=csv"
    assert json.loads(body)["policy"][0]["add_pct"] == 20  # what the charts show, not the 90
    assert "Preparing the CSV" in status(browser).text
