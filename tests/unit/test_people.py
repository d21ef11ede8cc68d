"""The one "private individual" rule (dashboard.ingest.people) and every place it withholds a person:
the register's flag columns, the supplier table at import and at load, rejected rows, the
transactions export and the ward drill-down."""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.engine import metrics as m
from dashboard.engine.model import YES, build_dataset
from dashboard.ingest import people
from dashboard.ingest.io.suppliers import read_suppliers
from dashboard.ingest.pipeline import resolve_suppliers
from dashboard.ingest.store import load_dataset, read_rejected, save_dataset
from dashboard.output import exports as e
from dashboard.view.drill import drill
from layers import supplier_points
from tests import tiny


def test_any_individual_column_counts_not_only_the_first(tmp_path):
    """ "Sole Trader" before "Individual": a no in the first must not hide a yes in the second."""
    path = tmp_path / "reg.csv"
    path.write_text("Supplier Name,Postcode,Sole Trader,Individual\n"
                    "Albert Person,OX1 1AA,no,yes\nAcme,OX2 2BB,no,no\nBeta,OX3 3CC,,\n")
    df = read_suppliers(path).set_index("name")
    assert bool(df.loc["Albert Person", "individual"]) is True
    assert bool(df.loc["Acme", "individual"]) is False
    assert pd.isna(df.loc["Beta", "individual"])


def test_a_supplier_type_of_individual_flags_the_person(tmp_path):
    path = tmp_path / "reg.csv"
    path.write_text("Supplier Name,Postcode,Type\nA Person,OX1 1AA,Individual\nAcme,OX1 1AB,Company\n")
    df = read_suppliers(path).set_index("name")
    assert bool(df.loc["A Person", "individual"]) is True and pd.isna(df.loc["Acme", "individual"])


def test_person_like_names_are_individuals_at_import():
    tx = pd.DataFrame({"supplier": ["MR ALBERT SMITH", "Dr. A Jones", "MRSA Screening Ltd",
                                    "Redacted personal data", "Acme Ltd"],
                       "postcode": ["OX1 1AA"] * 5})
    out = resolve_suppliers(tx, None)
    assert out["individual"].tolist() == [YES, YES, -1, YES, -1]


def test_person_mask_is_the_same_rule_as_looks_like_person():
    names = ["MR ALBERT SMITH", "mrs j bloggs", "MRSA Screening Ltd", "Withheld", None, "",
             "Personal Data Solutions Ltd", " Dr A Jones", "Drake Ltd"]
    assert people.person_mask(names).tolist() == [people.looks_like_person(n) for n in names]
    assert people.person_mask(names).tolist() == [True, True, False, True, False, False, False,
                                                  True, False]


def _with_albert():
    """The tiny network with one located supplier renamed "MR ALBERT STONE" and not flagged."""
    sup = tiny.SUPPLIERS.copy()
    sup["name"] = sup["name"].astype(object)
    sup["display_name"] = sup["display_name"].astype(object)
    sup.loc[2, ["name", "display_name"]] = "MR ALBERT STONE"    # "Rich", ward W2, not flagged
    return build_dataset(tiny.transactions(), sup, tiny.ANCHORS, tiny.LSOAS, tiny.WARDS,
                         name="tiny")


def test_a_saved_data_set_with_an_unflagged_person_withholds_them_when_opened(tmp_path):
    save_dataset(_with_albert(), tmp_path / "net")
    ds = load_dataset(tmp_path / "net")
    row = ds.suppliers.iloc[2]
    assert row["individual"] == YES and row["display_name"] is None
    s = m.summarise(ds)
    assert "MR ALBERT STONE" not in set(m.supplier_table(s)["supplier"])
    assert not supplier_points.eligible(ds)[2]        # never drawn at their point
    csv = e.to_csv_bytes(e.transactions_table(ds, m.Filters()), []).decode("utf-8-sig")
    assert "ALBERT" not in csv and "AA2 1AA" not in csv


def test_transactions_export_ties_no_individual_to_a_ward_or_source_line(tmp_path):
    ds = tiny.tiny_dataset()
    details = pd.DataFrame({"reference": [f"R{i}" for i in range(len(ds.tx))],
                            "source_file": "spend.csv",
                            "source_line": np.arange(2, len(ds.tx) + 2)})
    save_dataset(ds, tmp_path / "net", details=details)
    t = e.transactions_table(load_dataset(tmp_path / "net"), m.Filters())
    person = t[t["Supplier"] == m.WITHHELD].iloc[0]
    assert (person["Postcode"], person["Ward"], person["Ward code"], person["Reference"],
            person["Source file"]) == ("", "", "", "", "")
    assert pd.isna(person["Source line"]) and person["Amount £"] == 100.0
    other = t[t["Supplier"] == "Rich plc"].iloc[0]
    assert other["Ward"] == "South" and other["Source file"] == "spend.csv"


def test_ward_drill_down_lists_no_individual():
    s = m.summarise(tiny.tiny_dataset())
    d = drill(s, "W2", None)
    assert m.WITHHELD not in set(d.suppliers["Supplier"]) and d.total == 1600 * 100


def test_rejected_rows_naming_a_person_are_withheld():
    rejected = pd.DataFrame({
        "source_file": ["s.csv"] * 5, "line": [2, 3, 4, 5, 6],
        "reason": ["amount 'x' is not a number"] * 5,
        "raw": ["Council,MR ALBERT STONE,OX1 1AA,x", "Council,Jane Doe,AA2 9ZZ,x",
                "Council,Redacted personal data,,x", "Council,Acme Ltd,OX1 1AA,x",
                "Council,Dr. A Jones,,x"]})
    out = people.withhold_rejected(rejected, {"JANE DOE"})
    assert out["raw"].tolist() == [people.WITHHELD_ROW] * 3 + ["Council,Acme Ltd,OX1 1AA,x",
                                                               people.WITHHELD_ROW]
    assert out["reason"].tolist()[0] == "amount '…' is not a number"
    assert out["reason"].tolist()[3] == "amount 'x' is not a number"


def test_rejected_export_of_a_saved_data_set_withholds_flagged_individuals(tmp_path):
    """Saved before the rule: read_rejected (the page's rejected.csv and the command line's
    export) withholds rows naming a supplier the data set flags individual."""
    rejected = pd.DataFrame({"source_file": ["s.csv", "s.csv"], "line": [7, 8],
                             "reason": ["no date", "no date"],
                             "raw": ["Trust,Jane Doe,AA2 9ZZ,100", "Trust,Far Ltd,BB1 1AA,5"]})
    save_dataset(tiny.tiny_dataset(), tmp_path / "net", rejected=rejected)
    raw = read_rejected(tmp_path / "net")["raw"].tolist()
    assert raw == [people.WITHHELD_ROW, "Trust,Far Ltd,BB1 1AA,5"]
