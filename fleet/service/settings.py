"""Service configuration from ``SKYFLEET_*`` environment variables (pydantic-settings)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "skyfleet-development-secret-do-not-use-in-production"


class Settings(BaseSettings):
    """Everything the service reads from its environment.

    ``SKYFLEET_DATABASE_URL`` selects the database (a SQLite file by default,
    ``postgresql+psycopg://...`` for PostgreSQL); ``SKYFLEET_SECRET_KEY`` signs bearer tokens
    and must be set to a real secret outside development (``SKYFLEET_ENV``).
    ``SKYFLEET_GROUND_AMSL_M`` is the ground elevation (metres AMSL) of a GeoJSON city whose
    features and file give none, for ``SKYFLEET_BUILDINGS_PATH`` and uploads alike (CityGML
    keeps its own); unset, such a city stands at 0 m.
    """

    model_config = SettingsConfigDict(env_prefix="SKYFLEET_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///skyfleet.sqlite3"
    secret_key: str = Field(default=DEVELOPMENT_SECRET, min_length=16)
    token_ttl_s: int = Field(default=3600, gt=0, le=30 * 24 * 3600)
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    run_bridge: bool = True
    equal_priority_conflicts_allowed: bool = False
    buildings_path: str | None = None
    ground_amsl_m: float | None = Field(default=None, ge=-500.0, le=9000.0, allow_inf_nan=False)
    cors_origins: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.env != "development" and self.secret_key == DEVELOPMENT_SECRET:
            raise ValueError(
                f"SKYFLEET_SECRET_KEY must be set to a real secret when SKYFLEET_ENV={self.env}"
                " (e.g. `openssl rand -hex 32`); the development default is public"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is SQLite (embedded mode)."""
        return self.database_url.startswith("sqlite")
