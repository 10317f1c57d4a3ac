"""Launch real PX4 SITL instances (SIH quadrotor, headless) from a PX4 SITL folder.

The folder is one with ``start_sitl.sh`` and ``stop_sitl.sh`` (``../shared/px4-sitl`` on the
project's machines, or ``SKYFLEET_PX4_SITL``). Instance ``i`` has system id ``i + 1`` and sends
its API link to ``127.0.0.1:14540 + i + offset``: a client listens there
(``udpin://0.0.0.0:PORT``) and PX4 starts sending by itself.

PX4 instance numbers are machine-wide (PX4 locks ``/tmp/px4_lock-<i>``), so
:func:`px4_sitl` tries successive blocks of instance numbers until one starts, and the port
offset follows the block so that two runs never share a port.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from simulators.errors import Px4SitlUnavailable

DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "shared" / "px4-sitl"
API_PORT = 14540
GCS_PORT = 14550


def find_px4_sitl() -> Path | None:
    """The PX4 SITL folder (``SKYFLEET_PX4_SITL`` or ``../shared/px4-sitl``), if present."""
    given = os.environ.get("SKYFLEET_PX4_SITL")
    folder = Path(given) if given else DEFAULT_FOLDER
    return folder if (folder / "start_sitl.sh").is_file() else None


@dataclass(frozen=True, slots=True)
class SitlOptions:
    """How to start the instances.

    Attributes:
        count: how many instances.
        home_lon_deg, home_lat_deg, home_alt_amsl_m: instance 0's home.
        home_spread_m: instance ``k`` of the run starts ``k * home_spread_m`` metres east.
        speed_factor: PX4_SIM_SPEED_FACTOR (lockstep speed-up; 1 is real time).
        params: PX4 parameters set at boot (name -> value), e.g. ``{"COM_DISARM_PRFLT": 5}``.
        first_instances: instance numbers to try as the first of the block, in order
            (default: blocks of ``count`` within 0..9, PX4's stock API port range).
    """

    count: int = 1
    home_lon_deg: float = 139.6890
    home_lat_deg: float = 35.6900
    home_alt_amsl_m: float = 40.0
    home_spread_m: float = 0.0
    speed_factor: float = 1.0
    params: dict[str, float] = field(default_factory=dict)
    first_instances: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class SitlInstance:
    """One running PX4 instance, as a client sees it."""

    index: int
    system_id: int
    api_port: int
    log_path: Path

    @property
    def url(self) -> str:
        """The MAVLink URL a client listens on for this instance's API link."""
        return f"udpin://0.0.0.0:{self.api_port}"


def _shadow(root: Path, dest: Path) -> Path:
    """A folder that runs ``root``'s PX4 with working module links, built in ``dest``.

    PX4's start-up script calls its modules as ``px4-<module>``, links to the ``px4`` binary.
    A copy of the folder that turned those links into small text files (as the one shipped to
    these machines did: ``px4-param: Permission denied``, then "no autostart file found") cannot
    start; the shadow links every module back to the binary and everything else to ``root``.
    """
    (dest / "bin").mkdir(parents=True)
    for entry in root.iterdir():
        if entry.name != "bin":
            (dest / entry.name).symlink_to(entry)
    for entry in (root / "bin").iterdir():
        target: Path | str = entry
        if entry.name.startswith("px4-") and not entry.is_symlink() and entry.stat().st_size < 16:
            target = "px4"  # a flattened link: its text is the link's target
        (dest / "bin" / entry.name).symlink_to(target)
    return dest


def _offset_for(first: int) -> int:
    """Port offset for a block starting at ``first``: (first + 1) * 1000 keeps blocks apart."""
    return (first + 1) * 1000


def _env(options: SitlOptions, first: int, run_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PX4_UDP_PORT_OFFSET=str(_offset_for(first)),
        PX4_SITL_RUN_DIR=str(run_dir),
        PX4_HOME_LAT=f"{options.home_lat_deg:.7f}",
        PX4_HOME_LON=f"{options.home_lon_deg:.7f}",
        PX4_HOME_ALT=f"{options.home_alt_amsl_m:.2f}",
        PX4_HOME_SPREAD_M=f"{options.home_spread_m:g}",
        PX4_SIM_SPEED_FACTOR=f"{options.speed_factor:g}",
    )
    for name, value in options.params.items():
        env[f"PX4_PARAM_{name}"] = f"{value:g}"
    return env


@contextmanager
def px4_sitl(options: SitlOptions, folder: Path | None = None) -> Iterator[list[SitlInstance]]:
    """Start ``options.count`` PX4 SITL instances; stop them on exit.

    The instances start in the background: the first HEARTBEAT comes about 1.5 s after this
    yields and PX4 is ready to arm about 5 s after. Open the client sockets promptly.

    Raises:
        Px4SitlUnavailable: no folder, or every block of instance numbers was in use.
    """
    root = folder or find_px4_sitl()
    if root is None:
        raise Px4SitlUnavailable("no PX4 SITL folder (../shared/px4-sitl or SKYFLEET_PX4_SITL)")
    with tempfile.TemporaryDirectory(prefix="px4-sitl-run-") as run:
        run_dir = Path(run)
        root = _shadow(root, run_dir / "px4")
        errors = []
        blocks = options.first_instances or tuple(range(0, 11 - options.count, options.count))
        for first in blocks:
            env = _env(options, first, run_dir)
            done = subprocess.run(
                [str(root / "start_sitl.sh"), str(options.count), str(first)],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode == 0:
                break
            subprocess.run([str(root / "stop_sitl.sh")], env=env, capture_output=True, check=False)
            errors.append(done.stderr.strip())
        else:
            raise Px4SitlUnavailable("PX4 SITL did not start: " + " | ".join(errors))
        offset = _offset_for(first)
        instances = [
            SitlInstance(i, i + 1, API_PORT + i + offset, run_dir / f"i{i}" / "out.log")
            for i in range(first, first + options.count)
        ]
        try:
            yield instances
        finally:
            subprocess.run([str(root / "stop_sitl.sh")], env=env, capture_output=True, check=False)
