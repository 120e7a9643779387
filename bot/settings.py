"""Settings from the environment and an optional `.env` file in the working folder."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///kata.db",
        description="SQLAlchemy async URL; plain postgresql:// and sqlite:// are accepted too.",
    )
    log_level: str = "INFO"
    content_dir: Path = PROJECT_ROOT / "content"

    slack_bot_token: str | None = None
    slack_app_token: str | None = None
    slack_signing_secret: str | None = None
    slack_api_url: str | None = None
    port: int = 3000

    discord_token: str | None = None
    discord_client_id: str | None = None
    discord_api_url: str | None = None
    discord_gateway_url: str | None = None

    @property
    def slack_configured(self) -> bool:
        return bool(self.slack_bot_token and (self.slack_app_token or self.slack_signing_secret))

    @property
    def discord_configured(self) -> bool:
        return bool(self.discord_token)
