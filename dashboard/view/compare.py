"""Two wards side by side (issue 16: "compare two wards"): spend, its share, suppliers, the
anchor paying most there, and the deprivation of each, under the current filters.

The second ward is a choice of the details panel alone (not part of the URL's view state): the
comparison follows the filters and the selected ward, and is made by its own small callback.
"""
from __future__ import annotations

from dashboard import fmt
from dashboard.engine import details
from dashboard.view.context import AppContext
from dashboard.view.panels import TableView
from dashboard.view.state import ViewState


def compare_wards(app_ctx: AppContext, state: ViewState, other: str | None) -> TableView | None:
    """The table comparing the selected ward with `other` (None when either is missing, unknown
    or they are the same ward)."""
    ds = app_ctx.ds
    codes = [str(c) for c in ds.wards["code"]]
    if not state.ward or not other or other == state.ward or other not in codes:
        return None
    summary = app_ctx.summary(state)
    wards = summary.by_ward.set_index("ward_code")
    in_wards = int(wards["spend"].clip(lower=0).sum())
    names = dict(zip(codes, (str(n) for n in ds.wards["name"])))
    x = summary.options.most_deprived

    def column(code: str) -> list[str]:
        spend = int(wards.loc[code, "spend"])
        top = details.ward_by_anchor(summary, code)
        rank, deprived, lsoas = details.ward_profile(ds, code, summary.options)["ward"]
        return [fmt.money(spend, compact=True),
                fmt.share(spend / in_wards if in_wards > 0 else None),
                fmt.count(int(wards.loc[code, "suppliers"])),
                str(top["anchor"].iloc[0]) if len(top) else fmt.DASH,
                fmt.DASH if rank is None else f"{rank:,.0f}", fmt.share(deprived), f"{lsoas:,}"]

    measures = ["Spend with suppliers here", "Share of spend in every ward", "Suppliers",
                "Anchor paying most here", "Average IMD rank (1 = most deprived)",
                f"Residents in the most deprived {x}%", "LSOAs"]
    a, b = column(state.ward), column(other)
    rows = tuple(zip(measures, a, b))
    return TableView(f"{names[state.ward]} compared with {names[other]}",
                     ("Measure", names[state.ward], names[other]), (False, True, True), rows)
