"""Data commands: ``tradewar cache``, ``datasets``, ``describe``, ``build-world``, ``estimate``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from tradewar.cli.common import (
    _FORCE,
    _codes,
    _exit_codes,
    _print_json,
    _spinner,
    app,
    console,
)


@app.command()
def cache(
    clear: Annotated[bool, typer.Option("--clear", help="Delete the cached programs.")] = False,
) -> None:
    """Show (or --clear) the cache of compiled solvers that speeds up later commands."""
    from tradewar.compilation import CACHE_ENTRY, cache_dir, clear_compilation_cache

    folder = cache_dir()
    with _exit_codes():
        if clear:
            files, size = clear_compilation_cache(folder)
            console.print(f"removed {files} cached programs ({size / 1e6:.1f} MB) from {folder}")
            return
    entries = [p for p in folder.glob("*") if p.is_file() and CACHE_ENTRY.match(p.name)]
    size = sum(p.stat().st_size for p in entries)
    console.print(
        f"{folder}: {len(entries)} cached programs, {size / 1e6:.1f} MB "
        "(TRADEWAR_CACHE_DIR moves it, TRADEWAR_NO_CACHE=1 turns it off)",
        markup=False,
    )


@app.command()
def datasets() -> None:
    """List the bundled worlds."""
    from tradewar.datasets import list_datasets

    t = Table(title="Bundled worlds")
    for col in ("Name", "Year", "Countries", "Sectors", "Unit", "Description"):
        t.add_column(col)
    for d in list_datasets():
        t.add_row(
            *(
                escape(str(d[k]))
                for k in ("name", "year", "countries", "sectors", "unit", "description")
            )
        )
    console.print(t)


@app.command()
def describe(
    world: Annotated[str, typer.Argument(help="Bundled dataset name or world-package path.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Summarise a world: size, unit, source, licence and its largest economies."""
    from tradewar.build.regions import named_region_counts
    from tradewar.data.io import load_world

    with _exit_codes():
        w = load_world(world)
    s = w.summary()
    s["named_regions"] = named_region_counts(w.countries)
    if json_out:
        _print_json(s)
        return
    console.print(
        f"[bold]{escape(str(s['name']))}[/] ({escape(str(s['year']))}): {s['countries']} "
        f"countries × {s['sectors']} sectors ({s['tradable_sectors']} tradable), values in "
        f"{escape(str(s['unit']))}"
    )
    console.print(
        f"World value added {s['world_value_added']:,.0f}; world exports {s['world_exports']:,.0f}"
    )
    console.print(
        f"Source: {s['source']}\nCitation: {s['citation']}\nLicence: {s['license']}",
        markup=False,
    )
    sectors = Table(title="Sectors")
    for col in ("Sector", "Name", "Trade elasticity", "Tradable", "Groups"):
        sectors.add_column(col, justify="right" if col == "Trade elasticity" else "left")
    member_of = {
        code: [g for g, members in s["sector_groups"].items() if code in members]
        for code in (r["sector"] for r in s["sector_list"])
    }
    for r in s["sector_list"]:
        sectors.add_row(
            escape(r["sector"]),
            escape(r["name"]),
            f"{r['theta']:g}",
            "yes" if r["tradable"] else "no",
            escape(" ".join(member_of[r["sector"]])),
        )
    console.print(sectors)
    if s["sector_groups"]:
        console.print(
            'Sector groups (usable wherever sector codes are; "*" is every sector, services '
            "included): " + ", ".join(f"{k} ({len(v)})" for k, v in s["sector_groups"].items()),
            markup=False,
        )
    if s["regions"]:
        console.print(
            "Regions (for tw.data.aggregate.region_mapping): "
            + ", ".join(f"{k} ({n} countries)" for k, n in s["regions"].items()),
            markup=False,
        )
    if s["named_regions"]:
        console.print(
            "Named regions for build-world --regions (members in this world): "
            + ", ".join(f"{k} ({n})" for k, n in s["named_regions"].items())
            + "; also continent, continent7, unregion",
            markup=False,
        )
    t = Table(title="Largest economies")
    for col in (
        "Country",
        "Name",
        "Value added",
        "World share %",
        "Deficit (M − X)",
        "Avg tariff %",
    ):
        t.add_column(col, justify="right" if col not in ("Country", "Name") else "left")
    for r in s["largest"]:
        t.add_row(
            escape(r["country"]),
            escape(r["name"]),
            f"{r['value_added']:,.0f}",
            f"{r['share_of_world_pct']:.1f}",
            f"{r['deficit']:,.0f}",
            f"{r['avg_tariff_pct']:.2f}",
        )
    console.print(t)


# ---------------------------------------------------------------------------- your own data
@app.command("build-world")
def build_world_command(
    path: Annotated[
        str, typer.Argument(help="The source: file, folder or zip (a world name for --from world).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the world package to.")],
    source: Annotated[
        str, typer.Option("--from", help="oecd-icio, wiod, long or world.")
    ] = "oecd-icio",
    year: Annotated[
        int | None, typer.Option(help="Year (picks the file in a folder or zip).")
    ] = None,
    regions: Annotated[
        str | None,
        typer.Option(
            help="Named regions (eu27,asean,oecd,g7,continent,...) or a CSV country,region."
        ),
    ] = None,
    keep: Annotated[
        str | None,
        typer.Option(help="Countries to keep; every other one not in a region goes into ROW."),
    ] = None,
    sectors: Annotated[
        Path | None, typer.Option("--sectors", help="CSV sector,group[,name] merging sectors.")
    ] = None,
    theta: Annotated[
        str,
        typer.Option(help="Trade elasticities: cp2015 (by ISIC division) or a CSV sector,theta."),
    ] = "cp2015",
    tariffs: Annotated[
        Path | None,
        typer.Option(
            help="Long tariff file (importer, exporter, sector|product, tariff_pct[, table])."
        ),
    ] = None,
    concordance: Annotated[
        Path | None, typer.Option(help="CSV product,sector for a tariff file by product.")
    ] = None,
    inputs: Annotated[
        Path | None,
        typer.Option(help="--from long: input use (country, input_sector, using_sector, value)."),
    ] = None,
    value_added: Annotated[
        Path | None, typer.Option(help="--from long: value added (country, sector, value_added).")
    ] = None,
    update: Annotated[
        Path | None,
        typer.Option(
            help="Targets CSV (variable, country, partner, value): move the world to them with RAS."
        ),
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="Name of the world (default: the --out folder's name).")
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="csv or parquet for the large tables.")
    ] = "parquet",
    force: Annotated[bool, _FORCE] = False,
) -> None:
    """Build a checked world package from OECD ICIO, WIOD, long tables or an existing world."""
    from tradewar.build import build_world, read_targets, update_baseline
    from tradewar.data.write import write_world
    from tradewar.folders import check_output_folder

    world_name = name or out.name
    with _exit_codes():
        if fmt not in ("csv", "parquet"):
            from tradewar.errors import DataError

            raise DataError(f"--format must be csv or parquet, not {fmt!r}", field="format")
        check_output_folder(out, force)  # refuse early, before minutes of work
        with _spinner(f"Building {world_name} from {source}"):
            world, report = build_world(
                source,
                path,
                name=world_name,
                year=year,
                regions=regions,
                keep=_codes(keep),
                sector_map=sectors,
                theta=theta,
                tariffs=tariffs,
                concordance=concordance,
                inputs=inputs,
                value_added=value_added,
            )
            lines = report.lines()
            if update is not None:
                from dataclasses import replace

                targets = read_targets(update, world)
                world, upd = update_baseline(world, targets, name=world_name)
                lines += upd.lines()
                world = replace(
                    world,
                    meta={
                        **world.meta,
                        "updated_to": str(update.name),
                        "update_report": "; ".join(upd.lines()),
                        "update_sources": "; ".join(targets.sources),
                    },
                )
        written = write_world(world, out, fmt=fmt, force=force)
    for line in lines:
        console.print(f"  {line}", markup=False, highlight=False)
    console.print(
        f"Wrote {escape(world.name)}: {world.n_countries} countries x {world.n_sectors} sectors "
        f"to {escape(str(written))}"
    )


@app.command()
def estimate(
    data: Annotated[
        str, typer.Argument(help="A bundled panel (cp2015-1993), a panel file, or a world.")
    ],
    method: Annotated[str, typer.Option(help="ppml or triple-difference.")] = "ppml",
    value_basis: Annotated[
        str,
        typer.Option(
            help="gross (tariff-inclusive values) or net; theta is the model's either way."
        ),
    ] = "gross",
    sectors: Annotated[
        str | None, typer.Option(help="Sectors to estimate (comma-separated).")
    ] = None,
    share: Annotated[
        float, typer.Option(help="Triple difference: share of flows kept (largest).")
    ] = 1.0,
    countries: Annotated[
        str | None, typer.Option(help="Use only trade among these countries (comma-separated).")
    ] = None,
    pooled: Annotated[
        bool, typer.Option(help="Triple difference: one elasticity for all sectors.")
    ] = False,
    world: Annotated[
        str | None, typer.Option(help="A world to put the estimates into (with --write-world).")
    ] = None,
    write_world_to: Annotated[
        Path | None,
        typer.Option("--write-world", help="Write --world with the estimated theta and s.e."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Folder for estimates.csv (and a manifest).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    force: Annotated[bool, _FORCE] = False,
) -> None:
    """Estimate sector trade elasticities: PPML (pyfixest) or Caliendo-Parro's triple difference.

    Exit 1 if the estimator failed numerically for a sector (not converged, not finite);
    sectors without tariff variation or with a non-positive estimate are reported, not used.
    """
    from tradewar.estimate import trade_elasticity

    with _exit_codes():
        if (world is None) != (write_world_to is None):
            from tradewar.errors import DataError

            raise DataError("--world and --write-world come together", field="write-world")
        with _exit_codes(source=data), _spinner(f"Estimating by {method}", quiet=json_out):
            result = trade_elasticity(
                data,
                method,
                value_basis=value_basis,
                sectors=_codes(sectors),
                share=share,
                countries=_codes(countries),
                pooled=pooled,
            )
        frame = result.to_frame()
        if out is not None:
            from tradewar.folders import tradewar_version, write_folder

            def fill(tmp: Path) -> dict:
                frame.to_csv(tmp / "estimates.csv", index=False)
                return {
                    "tradewar_version": tradewar_version(),
                    "kind": "trade elasticity estimates",
                    "method": method,
                    "value_basis": value_basis,
                    "data": data,
                    "source": result.source,
                }

            write_folder(out, fill, force=force)
        if world is not None and write_world_to is not None:
            from tradewar.data.io import load_world
            from tradewar.data.write import write_world

            write_world(result.apply(load_world(world)), write_world_to, fmt="parquet", force=force)
    failed = frame["status"].isin(["not converged", "not finite"]).any()
    if json_out:
        _print_json(
            {
                "method": method,
                "value_basis": value_basis,
                "source": result.source,
                "converged": bool(not failed),
                "estimates": frame.to_dict(orient="records"),
            }
        )
    else:
        console.print(str(result), markup=False, highlight=False)
        if out is not None:
            console.print(f"Wrote {escape(str(out / 'estimates.csv'))}")
        if write_world_to is not None:
            console.print(f"Wrote {escape(str(write_world_to))} with the estimated elasticities")
    if failed:
        raise typer.Exit(1)
