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

    kata_web_secret: str | None = Field(
        default=None, description="Signs web page links; unset: kept in kata_web_secret_file."
    )
    kata_web_secret_file: Path = Path("kata-web-secret")
    kata_public_url: str | None = Field(
        default=None, description="Where members reach the bot's HTTP server, for web links."
    )

    @property
    def slack_configured(self) -> bool:
        return bool(self.slack_bot_token and (self.slack_app_token or self.slack_signing_secret))

    @property
    def discord_configured(self) -> bool:
        return bool(self.discord_token)

    def incomplete_platforms(self) -> list[str]:
        """What is missing for each platform that is only partly configured: under a service
        manager, starting the console instead would look like a bot that silently quit."""
        problems: list[str] = []
        slack_mode = self.slack_app_token or self.slack_signing_secret
        if self.slack_bot_token and not slack_mode:
            problems.append(
                "SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor "
                "SLACK_SIGNING_SECRET (HTTP mode) is; see adapters/slack/README.md"
            )
        elif slack_mode and not self.slack_bot_token:
            given = "SLACK_APP_TOKEN" if self.slack_app_token else "SLACK_SIGNING_SECRET"
            problems.append(
                f"{given} is set but SLACK_BOT_TOKEN is not; see adapters/slack/README.md"
            )
        if self.discord_client_id and not self.discord_token:
            problems.append(
                "DISCORD_CLIENT_ID is set but DISCORD_TOKEN is not; see adapters/discord/README.md"
            )
        return problems
