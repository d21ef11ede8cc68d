"""Bring your own data through the page, in a real browser: upload Oxford City Council's 13
published spend files and a supplier register written here, check the column mapping, import in the
background, and check the import report's counts against a hand count made with the csv module
(tests/integration/test_import_oxford.py). Then open the new data set at its own address, see its
sources, and have duplicate and oversized files refused.

The server shows the embedded demo (whose manifest records reference file names, not paths), so
the import takes its postcode directory and deprivation file from the settings' reference folder
(../shared/data), as a council's server would from ANCHOR_REFERENCE_DIR.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, assert_clean, open_page, serve
from tests.browser.helpers import open_fold, settle
from tests.integration.test_import_oxford import REGISTER, hand_count

pytestmark = pytest.mark.browser
OUT = ARTIFACTS / "screenshots"
IMPORT_TIMEOUT_MS = 180_000
#: Reading 13 uploaded files for the mapping step: a second or two, much more on a machine busy
#: with another test worker (5 s, the default wait, was once not enough).
MAPPING_TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def server(shared_data, tmp_path_factory):
    from dashboard.serve.app import create_app
    from dashboard.settings import load_settings

    folder = tmp_path_factory.mktemp("import-page")
    register = folder / "oxford-register.csv"
    register.write_text("Supplier Name,Postcode,SME,VCSE,Individual\n" + "".join(
        f'"{name}",{pc},,,no\n' for name, (pc, _) in REGISTER.items()))
    settings = load_settings(env={}, networks_dir=str(folder / "networks"),
                             reference_dir=str(shared_data), upload_limit_mb=1)
    url, stop = serve(create_app(None, settings))
    spend = sorted((shared_data / "spend" / "oxford_city_council").glob("*.csv"))
    yield {"url": url, "spend": spend, "register": register, "root": folder / "networks"}
    stop()


def choose_files(page, button: str, files) -> None:
    with page.expect_file_chooser() as chooser:
        page.click(button)
    chooser.value.set_files([str(f) for f in files])


def uploaded(page, n: int) -> None:
    expect(page.locator("#upload-status")).to_contain_text(f"{n} of {n} file", timeout=60_000)


def report_rows(page) -> dict[str, tuple[int, int, int]]:
    """File -> (rows read, imported, rejected) from the report's first table."""
    rows = page.evaluate("""() => Array.from(
        document.querySelectorAll('#import-report table')[0].querySelectorAll('tbody tr'))
        .map(tr => Array.from(tr.querySelectorAll('td')).map(td => td.textContent.trim()))""")
    return {r[0]: tuple(int(c.replace(",", "")) for c in r[1:4]) for r in rows}


def test_imp001_oxford_files_through_the_page_report_matches_a_hand_count(browser, server):
    page = open_page(browser, 1366, 900)
    page.goto(server["url"])
    settle(page)
    open_fold(page, "data")
    expect(page.locator("#data-h")).to_be_visible()
    expect(page.locator("#data-sets [aria-current='page']")).to_contain_text("shown now")
    page.locator("#import-h").scroll_into_view_if_needed()
    # 1. upload: 13 spend files with the file chooser, then the register
    choose_files(page, "#upload-spend", server["spend"])
    uploaded(page, 13)
    expect(page.locator("#upload-files .file-list li")).to_have_count(13)
    choose_files(page, "#upload-register", [server["register"]])
    uploaded(page, 1)
    expect(page.locator("#upload-files")).to_contain_text("oxford-register.csv")
    # 2. the mapping step: every file previewed; one quarter has no anchor column
    expect(page.locator("#mapping-preview details.preview")).to_have_count(
        13, timeout=MAPPING_TIMEOUT_MS)
    expect(page.locator("#mapping-used-date")).to_contain_text("Paid Date",
                                                               timeout=MAPPING_TIMEOUT_MS)
    expect(page.locator("#mapping-used-amount")).to_have_text(
        "Amount (9 files), amount (4 files)", timeout=MAPPING_TIMEOUT_MS)
    expect(page.locator("#import-problems")).to_contain_text("has no column naming the organisation",
                                                             timeout=MAPPING_TIMEOUT_MS)
    page.fill("#import-anchor-name", "Oxford City Council")
    page.press("#import-anchor-name", "Enter")
    expect(page.locator("#mapping-used-anchor")).to_contain_text("Oxford City Council")
    page.fill("#import-name", "oxford")
    page.fill("#import-title", "Oxford City Council")
    expect(page.locator("#import-name-note")).to_contain_text("A new data set 'oxford'")
    expect(page.locator("#import-start")).to_be_enabled()
    expect(page.locator(".references")).to_contain_text("NSPL_NOV_2021_UK_SR.csv.gz")
    OUT.mkdir(parents=True, exist_ok=True)
    page.locator("#data").screenshot(path=str(OUT / "import-1-upload-and-mapping.png"))
    # 3. import in the background, with progress, then the report
    page.click("#import-start")
    expect(page.locator("#import-status")).to_contain_text("is ready", timeout=IMPORT_TIMEOUT_MS)
    page.locator("#import-report").scroll_into_view_if_needed()
    page.locator("#import-report").screenshot(path=str(OUT / "import-2-report.png"))

    hand = {p.name: hand_count(p) for p in server["spend"]}
    got = report_rows(page)
    total = got.pop("Total")
    assert got == {n: (c["read"], c["accepted"], c["rejected"]) for n, c in hand.items()}
    assert total == tuple(sum(c[k] for c in hand.values())
                          for k in ("read", "accepted", "rejected"))
    summary = page.inner_text("#import-report .report-total")
    assert f"{total[0]:,} rows read, {total[1]:,} imported, {total[2]:,} rejected" in summary
    no_date = sum(c["no_date"] for c in hand.values())
    reasons = page.inner_text("#import-report")
    assert re.search(rf"{no_date:,}\s+no date \(the cell holds '…'\): give the file's period "
                     r"\(the period boxes of the import form\)", reasons)
    assert "; 10 located on the map;" in reasons
    # downloads: the rejected rows and the register of suppliers to locate
    origin = server["url"].rstrip("/")
    rejected = page.request.get(origin + page.get_attribute(   # made in the export process
        "#import-report a[href$='rejected.csv']", "href"), timeout=90_000)
    lines = rejected.text().lstrip("\ufeff").split("\r\n\r\n", 1)[1]
    assert len(list(csv.DictReader(io.StringIO(lines)))) == total[2]
    link = page.locator("#import-report a[href$='unlocated.csv']")
    listed = int(re.search(r"the ([\d,]+) suppliers", link.inner_text()).group(1).replace(",", ""))
    register = list(csv.DictReader(io.StringIO(
        page.request.get(origin + link.get_attribute("href"), timeout=90_000).text().lstrip(
            "\ufeff"))))
    assert len(register) == listed and set(register[0]) >= {"Supplier Name", "Postcode"}
    assert not any(r["Supplier Name"].upper().startswith(("MR ", "MRS ", "MS ", "DR "))
                   for r in register)
    assert_clean(page)

    # the new data set at its own address: its sources, checksums and the data set list
    page.click("#import-report .report-total a")
    page.wait_for_url("**/d/oxford/")
    settle(page)
    open_fold(page, "data")
    expect(page.locator("h1")).to_have_text("Oxford City Council")
    sources = page.locator(".sources-block")
    for p in server["spend"]:
        sha = hashlib.sha256(p.read_bytes()).hexdigest()
        expect(sources.locator(f"code[title='{sha}']")).to_have_count(1)
    expect(sources).to_contain_text("oxford-register.csv")
    expect(sources).to_contain_text("Indices of Deprivation 2019")
    expect(page.locator("#data-sets [aria-current='page']")).to_contain_text("Oxford City Council")
    expect(page.locator("#data-sets a.dataset-link")).to_have_attribute("href", "/")
    page.locator(".data-columns").screenshot(path=str(OUT / "import-3-data-sets-and-sources.png"))
    assert_clean(page)
    page.context.close()


def test_imp002_duplicates_and_oversized_files_are_refused(browser, server, tmp_path):
    if not (server["root"] / "oxford").exists():
        pytest.skip("needs the data set imported by imp001")
    page = open_page(browser, 1366, 900)
    page.goto(server["url"] + "/d/oxford/")
    settle(page)
    open_fold(page, "data")
    first = server["spend"][1]
    lines = first.read_text(encoding="utf-8-sig").splitlines()
    new = tmp_path / "expenditure-extra.csv"
    new.write_text("\n".join(lines[:4]).replace("/2015", "/2017") + "\n")   # new content
    # the same file twice in one upload: the second is refused at once
    choose_files(page, "#upload-spend", [first, first, new])
    expect(page.locator("#upload-status")).to_contain_text("2 of 3 files uploaded")
    expect(page.locator("#upload-status")).to_contain_text(
        f"{first.name} has the same content as {first.name}, already uploaded")
    # dropped on the zone: a file over the limit is refused before it is sent
    page.evaluate("""() => {
        const zone = document.querySelector('.upload-zone[data-kind="spend"]');
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(1536 * 1024)], 'huge.csv', {type: 'text/csv'}));
        zone.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true,
                                                  cancelable: true}));
    }""")
    expect(page.locator("#upload-status")).to_contain_text("huge.csv is 1.5 MB: files up to "
                                                           "1.0 MB can be uploaded")
    expect(page.locator("#upload-files .file-list li")).to_have_count(2)
    # adding to the data set: the file it already holds is refused by content, the new one added
    page.fill("#import-name", "oxford")
    page.locator("#import-add label").click()
    expect(page.locator("#import-name-note")).to_contain_text("added to data set 'oxford'")
    expect(page.locator("#import-start")).to_be_enabled()
    page.click("#import-start")
    expect(page.locator("#import-status")).to_contain_text("is ready", timeout=IMPORT_TIMEOUT_MS)
    report = page.locator("#import-report")
    expect(report).to_contain_text("Files refused (already imported)")
    expect(report).to_contain_text(f"{first.name} was not imported: it has the same content as "
                                   f"{first.name}, already in data set 'oxford'")
    got = report_rows(page)
    assert got["expenditure-extra.csv"] == (3, 3, 0)
    assert len(got) == 13 + 1 + 1                      # the kept 13, the new one, the total
    page.locator("#import-report").screenshot(path=str(OUT / "import-4-added-with-refusal.png"))
    assert_clean(page)
    page.context.close()
