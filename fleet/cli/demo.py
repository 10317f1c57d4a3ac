"""`skyfleet demo`: the whole job in one process on embedded defaults (:mod:`fleet.demo.run`)."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command to ``app``."""

    @app.command(
        "demo", help="Run the whole job on embedded defaults: generated city, simulated fleet."
    )
    def _demo(
        buildings: Path | None = typer.Option(
            None,
            "--buildings",
            help="PLATEAU CityGML or GeoJSON building file (default: a generated district).",
            exists=True,
            dir_okay=False,
        ),
        report: Path | None = typer.Option(None, "--report", help="Write the summary as JSON."),
        plot: Path | None = typer.Option(None, "--plot", help="Draw a PNG map of what flew."),
        seed: int = typer.Option(7, "--seed", help="Seed of the city and the bookings."),
        speedup: float = typer.Option(
            50.0, "--speedup", min=1.0, help="Simulated seconds per wall second."
        ),
        drones: int = typer.Option(12, "--drones", min=1, help="Multicopters."),
        robots: int = typer.Option(4, "--robots", min=0, help="Ground robots."),
        deliveries: int = typer.Option(40, "--deliveries", min=0, help="Deliveries to book."),
        inspections: int = typer.Option(2, "--inspections", min=0, help="Inspections to book."),
    ) -> None:
        import asyncio

        from rich.console import Console

        from fleet.demo.report import render
        from fleet.demo.run import DemoOptions, run_demo
        from fleet.demo.scenario import ScenarioSize

        size = ScenarioSize(
            drones=drones, robots=robots, deliveries=deliveries, inspections=inspections
        )
        options = DemoOptions(buildings, report, plot, seed, speedup, size)
        console = Console()
        result = asyncio.run(run_demo(options, console))
        render(result, console)
        unexplained = [m for m in result.missions if not m.completed and m.state != "failed"]
        if result.airspace_conflicts or unexplained or result.missions_completed == 0:
            raise typer.Exit(code=1)  # a conflict, or a mission neither flown nor failed
