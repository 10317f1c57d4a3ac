"""`skyfleet sim`: N simulated PX4-like vehicles on SITL-style UDP ports until Ctrl-C."""

from __future__ import annotations

import math

import typer

_HOME_FORM = "LON,LAT[,ALT_AMSL] (degrees, metres above sea level; e.g. 139.6890,35.6900,40)"


def parse_home(text: str) -> tuple[float, float, float | None]:
    """``--home``: longitude and latitude in degrees, then optionally the ground's altitude AMSL.

    Raises:
        typer.BadParameter: not two or three numbers, or a value out of range; names the value.

    >>> parse_home("139.6890, 35.6900, 40")
    (139.689, 35.69, 40.0)
    >>> parse_home("139.6890,35.6900")
    (139.689, 35.69, None)
    """
    parts = [p.strip() for p in text.split(",")]
    if len(parts) not in (2, 3):
        raise typer.BadParameter(f"expected {_HOME_FORM}, got {text!r}")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise typer.BadParameter(f"expected {_HOME_FORM}, got {text!r}") from None
    lon, lat = values[0], values[1]
    alt = values[2] if len(values) == 3 else None
    if not -180.0 <= lon <= 180.0:
        raise typer.BadParameter(f"longitude {parts[0]} is outside -180..180 degrees in {text!r}")
    if not -85.0 <= lat <= 85.0:
        raise typer.BadParameter(f"latitude {parts[1]} is outside -85..85 degrees in {text!r}")
    if alt is not None and not (math.isfinite(alt) and -500.0 <= alt <= 9000.0):
        raise typer.BadParameter(f"altitude {parts[2]} is outside -500..9000 m AMSL in {text!r}")
    return lon, lat, alt


def register(app: typer.Typer) -> None:
    """Add the ``sim`` command to ``app``."""

    @app.command(
        "sim", help="Start N simulated PX4-like vehicles on SITL-style UDP ports until Ctrl-C."
    )
    def _sim(
        count: int = typer.Option(1, "--count", "-n", help="Number of vehicles (sysid 1..N)."),
        kind: str = typer.Option("quad", "--kind", help="quad or rover."),
        home: str | None = typer.Option(
            None,
            "--home",
            help="LON,LAT[,ALT_AMSL] of the first vehicle (the others on a grid 5 m apart), the"
            " ground's altitude in metres above sea level; default: PX4 SITL's home, open"
            " ground in Shinjuku, 139.6890,35.6900,40.",
        ),
        speedup: float = typer.Option(1.0, "--speedup", help="Simulated seconds per second."),
        port_offset: int = typer.Option(0, "--port-offset", help="Added to every port."),
        rates: str = typer.Option("px4", "--rates", help="px4 (PX4 defaults) or low."),
        no_gcs: bool = typer.Option(False, "--no-gcs", help="Skip the 18570+i -> 14550 links."),
    ) -> None:
        import asyncio

        from simulators import VehicleKind, run_swarm
        from simulators.errors import SimulatorError
        from simulators.swarm import DEFAULT_HOME, DEFAULT_HOME_AMSL_M

        if kind not in ("quad", "rover"):
            raise typer.BadParameter(f"--kind must be quad or rover, got {kind!r}")
        lon, lat, alt = (*DEFAULT_HOME, None) if home is None else parse_home(home)
        home_amsl_m = DEFAULT_HOME_AMSL_M if alt is None else alt

        def ready(swarm: object) -> None:
            api, gcs = 14580 + port_offset, 18570 + port_offset
            typer.echo(
                f"{count} {kind}(s) up at {lon:.6f},{lat:.6f}, {home_amsl_m:g} m AMSL: "
                f"API UDP {api}..{api + count - 1} -> "
                f"127.0.0.1:{14540 + port_offset}+i, GCS UDP {gcs}..{gcs + count - 1} -> "
                f"127.0.0.1:{14550 + port_offset}. Ctrl-C to stop."
            )

        try:
            asyncio.run(
                run_swarm(
                    count,
                    VehicleKind(kind),
                    (lon, lat),
                    speedup,
                    port_offset,
                    rates,
                    gcs_link=not no_gcs,
                    ready=ready,
                    home_amsl_m=home_amsl_m,
                )
            )
        except KeyboardInterrupt:
            typer.echo("stopped")
        except SimulatorError as exc:
            typer.echo(f"skyfleet sim: {exc}", err=True)
            raise typer.Exit(2) from exc
