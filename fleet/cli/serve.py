"""`skyfleet serve`: the long-running command service under uvicorn.

Configuration comes from ``SKYFLEET_*`` environment variables (see
:class:`fleet.service.settings.Settings`), e.g. ``SKYFLEET_DATABASE_URL``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from fastapi import FastAPI

    from fleet.runner.clock import ScaledClock
    from fleet.service.ports import RunnerFactory
    from fleet.service.settings import Settings


def register(app: typer.Typer) -> None:
    """Add the ``serve`` command to ``app``."""

    @app.command(
        "serve", help="Run the command service (FastAPI) with vehicles attached by MAVLink URL."
    )
    def _serve(
        host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
        port: int = typer.Option(8000, "--port", help="TCP port."),
        log_level: str = typer.Option("info", "--log-level", help="uvicorn log level."),
    ) -> None:
        import uvicorn
        from pydantic import ValidationError

        from fleet.service.app import create_app
        from fleet.service.settings import Settings

        try:
            settings = Settings()
        except ValidationError as exc:
            typer.echo(f"skyfleet serve: bad configuration:\n{exc}", err=True)
            raise typer.Exit(code=2) from None
        factory = _runner_factory() if settings.run_bridge else None
        app_ = create_app(settings, runner_factory=factory)
        uvicorn.run(app_, host=host, port=port, log_level=log_level)


def _runner_factory() -> RunnerFactory:
    """The in-process mission runner (uploads, flies and follows approved missions) and the
    dispatcher beside it (schedules what is booked, books each sortie when its vehicles are
    back; per operator, ``PUT /operators/me/dispatch`` turns it off).

    Both start only when ``SKYFLEET_RUN_BRIDGE`` is true (the default).
    """
    from fleet.dispatch.service import dispatching
    from fleet.runner.runner import runner_factory

    return dispatching(runner_factory())


def service_app(
    settings: Settings,
    clock: ScaledClock,
    *,
    heartbeat_timeout_s: float | None = None,
    message_rates_hz: dict[int, float] | None = None,
) -> FastAPI:
    """The app ``skyfleet serve`` runs (runner and dispatcher), on a given clock: for a client
    that starts the service in its own process (``skyfleet demo``, at a speed-up shared with its
    simulated fleet) and then talks to it over HTTP and the WebSocket only.

    Args:
        settings: the service's configuration.
        clock: the service's and the runner's time (a scaled clock runs faster than real time).
        heartbeat_timeout_s: the bridge's link timeout (default: the bridge's).
        message_rates_hz: MAVLink message id -> rate the runner asks each vehicle for.
    """
    from firmware_bridge.hub import HubConfig
    from fleet.dispatch.service import dispatching
    from fleet.runner.runner import runner_factory
    from fleet.service.app import create_app

    hub = (
        HubConfig()
        if heartbeat_timeout_s is None
        else HubConfig(heartbeat_timeout_s=heartbeat_timeout_s)
    )
    runner = runner_factory(clock=clock, hub_config=hub, message_rates_hz=message_rates_hz)
    lead = scaled_lead(clock.speedup)
    return create_app(settings, runner_factory=dispatching(runner, **lead), clock=clock.now)


def scaled_lead(speedup: float) -> dict[str, Any]:
    """The dispatcher's lead before a departure, in simulated seconds, for a clock ``speedup``
    times faster than real time: what the runner does before a take-off (upload, Mission mode,
    arming: about 1.2 s of wall time under load) is that many times longer in simulated time.
    At real time the defaults hold (15 s lead, re-planned when less than 8 s is left).
    """
    from dataclasses import replace

    from fleet.dispatch.dispatcher import DispatchSettings
    from fleet.dispatch.legs import DISPATCH_APPROVAL

    lead_s = max(DISPATCH_APPROVAL.lead_s, 1.2 * speedup)
    margin_s = max(DispatchSettings().min_margin_s, 0.4 * speedup)
    return {
        "approval": replace(DISPATCH_APPROVAL, lead_s=lead_s),
        "settings": DispatchSettings(min_margin_s=margin_s),
    }
