"""read_postcodes: NSPL/ONSPD columns found by pattern, only those read, cached as Parquet."""
from __future__ import annotations

import gzip
import math
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.errors import InputError
from dashboard.ingest.io import postcodes as mod
from dashboard.ingest.io.postcodes import normalise_postcodes, read_postcodes

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "geo" / "nspl_sample.csv"


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """A small directory-like CSV, every field quoted as ONS does."""
    lines = [",".join(header)] + [",".join(f'"{v}"' for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_reads_nspl_columns_in_contract_dtypes():
    df = read_postcodes(SAMPLE)
    assert list(df.columns) == ["postcode", "lat", "lon", "lsoa", "lad", "terminated"]
    assert df.attrs["lsoa_vintage"] == "2011"
    assert len(df) == 6
    assert df["lat"].dtype == "float64" and df["lon"].dtype == "float64"
    assert df["terminated"].dtype == bool
    assert str(df["postcode"].dtype) == "str" and str(df["lsoa"].dtype) == "str"
    first = df.iloc[0]
    assert first["postcode"] == "SR1 1AA"
    assert first["lat"] == pytest.approx(54.908542) and first["lon"] == pytest.approx(-1.379728)
    assert (first["lsoa"], first["lad"]) == ("E01008703", "E08000024")


def test_terminated_postcodes_are_kept_and_still_located():
    df = read_postcodes(SAMPLE).set_index("postcode")
    assert df.loc["SR1 1AA", "terminated"] and df.loc["TF1 1AA", "terminated"]
    assert not df.loc["SR1 1AB", "terminated"]
    assert df.loc["SR1 1AA", ["lat", "lon"]].notna().all()


def test_missing_grid_reference_becomes_nan_and_blank_codes_missing():
    df = read_postcodes(SAMPLE).set_index("postcode")
    row = df.loc["SR43 2AA"]
    assert math.isnan(row["lat"]) and math.isnan(row["lon"])
    assert pd.isna(row["lsoa"]) and pd.isna(row["lad"])


def test_welsh_postcodes_are_kept():
    df = read_postcodes(SAMPLE).set_index("postcode")
    assert df.loc["CF10 1AA", "lsoa"] == "W01001870"


def test_gzip_reads_the_same_as_plain(tmp_path):
    gz = tmp_path / "nspl.csv.gz"
    with open(SAMPLE, "rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    renamed = tmp_path / "nspl_no_suffix"  # gzip detected by content, not by name
    shutil.copy(gz, renamed)
    plain = read_postcodes(SAMPLE)
    pd.testing.assert_frame_equal(read_postcodes(gz), plain)
    pd.testing.assert_frame_equal(read_postcodes(renamed), plain)


def test_newest_lsoa_column_wins_and_newer_header_names_are_detected(tmp_path):
    header = ["PCD7", "PCDS", "DOTERM", "LAT", "LONG", "lsoa11cd", "lsoa21cd", "lad23cd",
              "lad25cd", "other"]
    rows = [["sr1 1aa", "sr1  1aa", "", "54.9", "-1.38", "E01008703", "E01035000",
             "E08000023", "E08000024", "x"]]
    df = read_postcodes(write_csv(tmp_path / "onspd.csv", header, rows))
    assert df.attrs["lsoa_vintage"] == "2021"
    assert df.iloc[0][["postcode", "lsoa", "lad"]].tolist() == ["SR1 1AA", "E01035000",
                                                                "E08000024"]


def test_pcd_used_when_pcds_absent_and_normalised(tmp_path):
    header = ["pcd", "lat", "long", "lsoa11", "laua"]
    rows = [["SR1  1AA", "54.9", "-1.38", "E01008703", "E08000024"],
            ["w1a0ax", "51.5", "-0.14", "E01004763", "E09000033"]]
    df = read_postcodes(write_csv(tmp_path / "a.csv", header, rows))
    assert df["postcode"].tolist() == ["SR1 1AA", "W1A 0AX"]
    assert not df["terminated"].any()  # no doterm column: nothing is terminated


def test_missing_columns_error_names_found_columns_and_expected_file(tmp_path):
    path = write_csv(tmp_path / "spend.csv", ["Supplier", "Amount", "Postcode"],
                     [["A Ltd", "10", "SR1 1AA"]])
    with pytest.raises(InputError) as err:
        read_postcodes(path)
    msg = str(err.value)
    assert "spend.csv" in msg and "lat" in msg and "lsoa" in msg
    assert "Supplier" in msg and "NSPL" in msg and "ONSPD" in msg


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_postcodes(tmp_path / "nope.csv")


def test_mixed_lsoa_vintages_are_refused(tmp_path):
    a = write_csv(tmp_path / "a.csv", ["pcds", "lat", "long", "lsoa11", "laua"],
                  [["SR1 1AA", "54.9", "-1.38", "E01008703", "E08000024"]])
    b = write_csv(tmp_path / "b.csv", ["pcds", "lat", "long", "lsoa21", "laua"],
                  [["SR1 1AB", "54.9", "-1.38", "E01035000", "E08000024"]])
    with pytest.raises(InputError, match="mix LSOA vintages"):
        read_postcodes([a, b])


def test_several_files_concatenate_and_a_repeated_postcode_is_kept_once(tmp_path):
    header = ["pcds", "lat", "long", "lsoa11", "laua"]
    a = write_csv(tmp_path / "a.csv", header,
                  [["SR1 1AA", "54.9", "-1.38", "E01000001", "E08000024"]])
    b = write_csv(tmp_path / "b.csv", header,
                  [["SR1 1AA", "10.0", "1.0", "E01999999", "E08000099"],
                   ["TF1 1AA", "52.7", "-2.5", "E01028000", "E06000020"]])
    df = read_postcodes([a, b])
    assert df["postcode"].tolist() == ["SR1 1AA", "TF1 1AA"]
    assert df.iloc[0]["lsoa"] == "E01000001"  # first file wins


def test_cache_is_written_reused_and_invalidated_by_a_change(tmp_path, monkeypatch):
    src = tmp_path / "nspl.csv"
    shutil.copy(SAMPLE, src)
    cache = tmp_path / "cache"
    first = read_postcodes(src, cache_dir=cache)
    assert len(list(cache.glob("postcodes-*.parquet"))) == 1

    def boom(files):
        raise AssertionError("source re-read although the cache is valid")

    monkeypatch.setattr(mod, "_read_all", boom)
    again = read_postcodes(src, cache_dir=cache)
    pd.testing.assert_frame_equal(again, first)
    assert again.attrs == {"lsoa_vintage": "2011"}

    monkeypatch.undo()
    text = src.read_text().replace('"SR1 1AB","SR1 1AB","SR1 1AB"', '"SR1 1AZ","SR1 1AZ","SR1 1AZ"')
    src.write_text(text)
    os.utime(src, ns=(1, 1))  # new size/mtime: new key
    changed = read_postcodes(src, cache_dir=cache)
    assert "SR1 1AZ" in set(changed["postcode"])
    assert len(list(cache.glob("postcodes-*.parquet"))) == 2


def test_corrupt_cache_is_rebuilt(tmp_path):
    cache = tmp_path / "cache"
    read_postcodes(SAMPLE, cache_dir=cache)
    (entry,) = cache.glob("postcodes-*.parquet")
    entry.write_bytes(b"not parquet")
    assert len(read_postcodes(SAMPLE, cache_dir=cache)) == 6


def test_only_needed_columns_are_parsed(tmp_path, monkeypatch):
    """The reader asks pyarrow for the six needed columns, not the whole 41-column row."""
    import pyarrow.csv as pcsv

    seen = {}
    real = pcsv.read_csv

    def spy(source, read_options=None, convert_options=None, **kw):
        seen["cols"] = list(convert_options.include_columns)
        return real(source, read_options=read_options, convert_options=convert_options, **kw)

    monkeypatch.setattr(pcsv, "read_csv", spy)
    read_postcodes(SAMPLE)
    assert sorted(seen["cols"]) == sorted(["pcds", "lat", "long", "lsoa11", "laua", "doterm"])


def test_normalise_postcodes_keeps_index_and_marks_bad_values_missing():
    s = pd.Series([" sr1  1aa", "w1a0ax", "", None, "n/a", "SR11AAA"], index=list("abcdef"))
    out = normalise_postcodes(s)
    assert list(out.index) == list("abcdef")
    assert out.iloc[:2].tolist() == ["SR1 1AA", "W1A 0AX"]
    assert out.iloc[2:].isna().all()


_SPACES = " \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u2007\u202f\u3000"
_postcode_text = st.one_of(
    st.from_regex(r"\s*[A-Za-z]{1,2}[0-9][A-Za-z0-9]?\s*[0-9][A-Za-z]{2}\s*", fullmatch=True),
    st.text(alphabet="ABCGIRSR0123456789ab/-" + _SPACES, max_size=10),
)


@settings(deadline=None)   # examples: tests/conftest.py
@given(st.lists(_postcode_text, min_size=1, max_size=20))
def test_vectorised_normaliser_agrees_with_the_scalar_one(texts):
    """Same answers as dashboard.ingest.parse.normalise_postcode (ASCII text, any Unicode space)."""
    parse = pytest.importorskip("dashboard.ingest.parse")
    expected = [parse.normalise_postcode(t) for t in texts]
    got = [None if pd.isna(v) else v for v in normalise_postcodes(texts)]
    assert got == expected


def test_docstring_examples_of_the_geography_modules():
    import doctest

    from dashboard.ingest import geo
    from dashboard.ingest.io import boundaries, deprivation

    for module in (mod, deprivation, boundaries, geo):
        result = doctest.testmod(module)
        assert result.failed == 0, module.__name__
