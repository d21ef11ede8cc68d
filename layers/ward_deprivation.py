"""Ward deprivation choropleths: average IMD rank, or share of population in the most deprived X%.

Two layers share this module because they share the ward figures (`ward_deprivation_table`):
`rank` (population-weighted average national rank; lower = more deprived) and `deprived`
(share of the ward's population living in LSOAs among the most deprived X% under the reference).
"""
from __future__ import annotations

from dashboard.engine import metrics as m
from dashboard.engine.metrics import Options, Summary
from dashboard.engine.model import Dataset
from dashboard.fmt import plot_text
from layers._common import DARK_HIGH, DARK_LOW, LayerOutput, Legend, choropleth, none_if_nan

GEOMETRY = "wards"


class _WardDeprivation:
    """One of the two ward deprivation measures, with the common layer interface."""

    def __init__(self, key: str, label: str) -> None:
        self.KEY, self.LABEL, self.GEOMETRY, self.TRACES = key, label, GEOMETRY, 1

    def values(self, ds: Dataset, summary: Summary, options: Options) -> dict[str, list]:
        t = m.ward_deprivation_table(ds, options)
        if self.KEY == "ward_rank":
            return {"z": none_if_nan(t["imd_avg_rank"])}
        return {"z": [None if v is None else round(float(v) * 100, 2)
                      for v in t["pop_share_most_deprived"]]}

    def build(self, ds: Dataset, summary: Summary, options: Options, geojson_url: str
              ) -> LayerOutput:
        z = self.values(ds, summary, options)["z"]
        codes = list(range(len(ds.wards)))   # feature numbers (layers._common.numbered)
        names = [plot_text(n) for n in ds.wards["name"]]
        if self.KEY == "ward_rank":
            trace = choropleth(
                geojson_url, codes, z, names, colorscale=DARK_LOW,
                colorbar={"title": {"text": "Average IMD rank<br>dark = MOST deprived",
                                    "side": "top"}, "tickformat": ",d"},
                hovertemplate="<b>%{text}</b><br>Average IMD rank %{z:,.0f}"
                              "<br>(1 = most deprived in England)<extra></extra>",
                name=self.LABEL)
            legend = Legend(
                title="Average IMD rank of each ward (population-weighted, national ranks)",
                dark="Darker: lower average rank = MOST deprived",
                light="Lighter: higher average rank = least deprived",
                notes=("Rank 1 is the most deprived LSOA in England.",))
        else:
            x = options.most_deprived
            ref = "nationally" if options.reference == "national" else "in the local area"
            trace = choropleth(
                geojson_url, codes, z, names, colorscale=DARK_HIGH, zmin=0, zmax=100,
                colorbar={"title": {"text": f"% in most deprived {x}%<br>dark = MOST deprived",
                                    "side": "top"}, "ticksuffix": "%"},
                hovertemplate=f"<b>%{{text}}</b><br>%{{z:.1f}}% of residents in the most "
                              f"deprived {x}% {ref}<extra></extra>",
                name=self.LABEL)
            legend = Legend(
                title=f"Share of each ward's population living in the most deprived {x}% "
                      f"of areas ({ref})",
                dark="Darker: higher share = MOST deprived",
                light="Lighter: lower share = least deprived")
        notes = legend.notes + ("Wards with no population figures are left unshaded.",)
        # the numbers at either end of the shading, as drawn (the key has no colour bar)
        shown = [v for v in z if v is not None]
        if self.KEY == "ward_rank":
            ends = (f"{min(shown):,.0f}", f"{max(shown):,.0f}") if shown else ("—", "—")
        else:
            ends = ("100%", "0%")
        return LayerOutput([trace], Legend(legend.title, f"{legend.dark}: {ends[0]}",
                                           f"{legend.light}: {ends[1]}", notes))


rank = _WardDeprivation("ward_rank", "Ward deprivation (average rank)")
deprived = _WardDeprivation("ward_deprived", "Ward deprivation (% in most deprived)")
