"""Per-file import settings: the manifest (TOML or CSV), its checks, and the reader using it."""
from __future__ import annotations

from datetime import date

import pytest

from dashboard.errors import InputError
from dashboard.ingest.file_options import from_record, options_for, read_manifest, to_record
from dashboard.ingest.io.spend import FileOptions, read_spend

HEADER = "Paid Date,Amount,Supplier Name"


def _csv(tmp_path, name: str, *rows: str, header: str = HEADER):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_toml_manifest_gives_each_file_its_own_settings(tmp_path):
    manifest = tmp_path / "import.toml"
    manifest.write_text('''
[[file]]
name = "trust_*.csv"
anchor = "City Hospitals NHS Trust"
date_order = "month-first"

[[file]]
name = "council.csv"
anchor = "City Council"
period = "2024-04-01:2024-04-30"
columns = { amount = "Net", supplier = "Payee" }
''', encoding="utf-8")
    got = read_manifest(manifest)
    assert got["trust_*.csv"] == FileOptions("City Hospitals NHS Trust", {}, None, "month")
    council = got["council.csv"]
    assert council.period == (date(2024, 4, 1), date(2024, 4, 30))
    assert council.columns == {"amount": "Net", "supplier": "Payee"}
    assert options_for("trust_april.csv", got).anchor_name == "City Hospitals NHS Trust"
    assert options_for("council.csv", got) is council and options_for("other.csv", got) is None


def test_csv_manifest_reads_the_same(tmp_path):
    manifest = tmp_path / "import.csv"
    manifest.write_text("file,anchor,period,date_order,columns\n"
                        "a.csv,Trust A,,day-first,amount=Net Amount; date=Paid\n"
                        "b.csv,Council B,2023-04-01:2023-06-30,,\n", encoding="utf-8")
    got = read_manifest(manifest)
    assert got["a.csv"] == FileOptions("Trust A", {"amount": "Net Amount", "date": "Paid"},
                                       None, "day")
    assert got["b.csv"].period == (date(2023, 4, 1), date(2023, 6, 30))


@pytest.mark.parametrize("text, message", [
    ('[[file]]\nname = "a.csv"\ncolour = "red"\n', "unknown setting colour"),
    ('[[file]]\nanchor = "X"\n', "gives no file name"),
    ('[[file]]\nname = "a.csv"\nperiod = "2024-04-30:2024-04-01"\n', "runs backwards"),
    ('[[file]]\nname = "a.csv"\ndate_order = "sideways"\n', "Unknown date order"),
    ('[[file]]\nname = "a.csv"\ncolumns = { colour = "Red" }\n', "Unknown field 'colour'"),
    ("[[file]\n", "not valid TOML"),
    ("", "names no file"),
])
def test_a_wrong_manifest_says_which_entry_and_what_to_do(tmp_path, text, message):
    manifest = tmp_path / "import.toml"
    manifest.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_manifest(manifest)


def test_reader_applies_per_file_settings_and_defaults_to_the_rest(tmp_path):
    """Two members' files in one import: the trust's is month-first with no organisation column,
    the council's takes the import's own options."""
    trust = _csv(tmp_path, "trust.csv", "4/6/2024,10,Acme", "4/7/2024,5,Acme")
    council = _csv(tmp_path, "council.csv", "04/06/2024,7,Bodgers")
    manifest = {"trust.csv": FileOptions("City Trust", {}, None, "month")}
    res = read_spend([trust, council], anchor_name="City Council",
                     per_file=lambda n: options_for(n, manifest))
    tx = res.transactions
    assert tx["anchor"].tolist() == ["City Trust", "City Trust", "City Council"]
    assert [d.isoformat() for d in tx["date"].dt.date] == ["2024-04-06", "2024-04-07",
                                                           "2024-06-04"]
    assert res.files[0]["options"]["anchor_name"] == "City Trust"
    assert res.files[1]["options"]["anchor_name"] == "City Council"


def test_options_survive_the_data_set_record():
    opts = FileOptions("Trust", {"amount": "Net"}, (date(2024, 4, 1), date(2024, 4, 30)), "month")
    assert from_record(to_record(opts)) == opts and from_record(None) is None
