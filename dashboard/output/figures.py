"""The figures of `python -m dashboard metrics`, as the spec's JSON object and as a readable table."""
from __future__ import annotations

import pandas as pd

from dashboard import fmt
from dashboard.engine import metrics as m

MONEY = ("total_spend", "located_spend", "unlocated_spend", "deprived_spend", "local_spend",
         "sme_spend", "sme_unknown_spend", "vcse_spend", "vcse_unknown_spend")
SHARES = ("coverage", "share_most_deprived", "local_share", "sme_share", "sme_unknown_share",
          "vcse_share", "vcse_unknown_share")


def metrics_json(built, filters: m.Filters, options: m.Options, *,
                 ward_deprivation: bool = False) -> dict:
    """Every figure of the spec for one filter state: pounds rounded to 2 dp, shares or None."""
    ds = built.dataset
    s = m.summarise(ds, filters, options)
    h = s.headline
    out: dict = {k: m.pounds(v) if k in MONEY else v for k, v in h.items()}
    out["rejected_rows"] = int(len(built.rejected))
    out["most_deprived"] = options.most_deprived
    out["reference"] = options.reference
    out["local_area"] = list(m.local_area(ds, options))
    wards = s.by_ward
    out["by_ward"] = [
        {"ward_code": r.ward_code, "ward_name": r.ward_name, "spend": m.pounds(r.spend),
         "suppliers": int(r.suppliers)}
        for r in wards[wards["suppliers"] > 0].itertuples()
    ]
    out["by_anchor"] = [
        {"anchor": r.anchor, "total_spend": m.pounds(r.total_spend),
         "share_most_deprived": r.share_most_deprived}
        for r in s.by_anchor[s.by_anchor["transactions"] > 0].itertuples()
    ]
    if ward_deprivation:
        t = m.ward_deprivation_table(ds, options)
        out["wards"] = [
            {"ward_code": r.ward_code, "population": int(r.population),
             "imd_avg_rank": r.imd_avg_rank, "pop_share_most_deprived": r.pop_share_most_deprived}
            for r in t.itertuples()
        ]
    out["import"] = built.report
    return out


def metrics_text(result: dict) -> str:
    """A readable table of the JSON result (pounds with separators, shares as percentages)."""
    lines = [f"Most deprived {result['most_deprived']}% ({result['reference']} reference); "
             f"local area: {', '.join(result['local_area']) or fmt.DASH}", ""]
    for key in ("total_spend", "located_spend", "unlocated_spend", "coverage", "deprived_spend",
                "share_most_deprived", "local_spend", "local_share", "sme_share", "vcse_share",
                "suppliers", "transactions", "rejected_rows"):
        lines.append(f"  {key:<22}{_show(key, result[key]):>20}")
    lines += ["", "By anchor:"]
    lines += _table(pd.DataFrame(result["by_anchor"]), {"total_spend": "money",
                                                        "share_most_deprived": "share"})
    lines += ["", "By ward (wards with located spend):"]
    lines += _table(pd.DataFrame(result["by_ward"]), {"spend": "money"})
    return "\n".join(lines) + "\n"


def _show(key: str, value) -> str:
    """A figure of the JSON result as text (`dashboard.fmt`: money from the pounds, in pence)."""
    if value is None:
        return fmt.DASH
    if key in SHARES:
        return fmt.share(value)
    if key in MONEY:
        return fmt.money(value * 100)
    return fmt.count(value)


def _table(frame: pd.DataFrame, kinds: dict[str, str]) -> list[str]:
    if frame.empty:
        return ["  (none)"]
    shown = frame.copy()
    for col, kind in kinds.items():
        shown[col] = [_show("total_spend" if kind == "money" else "coverage", v)
                      for v in shown[col]]
    return ["  " + line for line in shown.to_string(index=False).splitlines()]
