"""`skyfleet sim`: N simulated PX4-like vehicles on SITL-style UDP ports until Ctrl-C."""

from __future__ import annotations

import typer


def _parse_home(text: str) -> tuple[float, float]:
    try:
        lon_text, lat_text = text.split(",")
        return float(lon_text), float(lat_text)
    except ValueError:
        raise typer.BadParameter(f"expected LON,LAT in degrees, got {text!r}") from None


def register(app: typer.Typer) -> None:
    """Add the ``sim`` command to ``app``."""

    @app.command(
        "sim", help="Start N simulated PX4-like vehicles on SITL-style UDP ports until Ctrl-C."
    )
    def _sim(
        count: int = typer.Option(1, "--count", "-n", help="Number of vehicles (sysid 1..N)."),
        kind: str = typer.Option("quad", "--kind", help="quad or rover."),
        home: str = typer.Option(
            "139.6917,35.6895", "--home", help="LON,LAT of the first vehicle (grid 5 m apart)."
        ),
        speedup: float = typer.Option(1.0, "--speedup", help="Simulated seconds per second."),
        port_offset: int = typer.Option(0, "--port-offset", help="Added to every port."),
        rates: str = typer.Option("px4", "--rates", help="px4 (PX4 defaults) or low."),
        no_gcs: bool = typer.Option(False, "--no-gcs", help="Skip the 18570+i -> 14550 links."),
    ) -> None:
        import asyncio

        from simulators import VehicleKind, run_swarm
        from simulators.errors import SimulatorError

        if kind not in ("quad", "rover"):
            raise typer.BadParameter(f"--kind must be quad or rover, got {kind!r}")
        home_lon_lat = _parse_home(home)

        def ready(swarm: object) -> None:
            api, gcs = 14580 + port_offset, 18570 + port_offset
            typer.echo(
                f"{count} {kind}(s) up: API UDP {api}..{api + count - 1} -> "
                f"127.0.0.1:{14540 + port_offset}+i, GCS UDP {gcs}..{gcs + count - 1} -> "
                f"127.0.0.1:{14550 + port_offset}. Ctrl-C to stop."
            )

        try:
            asyncio.run(
                run_swarm(
                    count,
                    VehicleKind(kind),
                    home_lon_lat,
                    speedup,
                    port_offset,
                    rates,
                    gcs_link=not no_gcs,
                    ready=ready,
                )
            )
        except KeyboardInterrupt:
            typer.echo("stopped")
        except SimulatorError as exc:
            typer.echo(f"skyfleet sim: {exc}", err=True)
            raise typer.Exit(2) from exc
