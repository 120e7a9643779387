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
    database_pool_size: int = Field(
        default=15, description="Connections per process; workers use at most WORKER_CONCURRENCY."
    )
    worker_concurrency: int = Field(
        default=32,
        description="Scheduled posts one process runs at once; each touches the database only "
        "in short transactions, so this may exceed the pool (the morning's rounds go in batches).",
    )
    worker_poll_seconds: float = Field(
        default=15.0, description="How often a worker looks for work another process planned."
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
    discord_shard_count: int | None = Field(
        default=None, description="Gateway shards the bot runs as, across every process."
    )
    discord_shard_ids: str | None = Field(
        default=None, description="This process's shards, e.g. `0,1` (all when unset)."
    )

    http_enabled: bool = Field(
        default=True, description="Serve /healthz, /metrics (and Slack HTTP mode) on PORT."
    )
    http_host: str = "0.0.0.0"
    kata_log_format: str = Field(default="text", description="`text` or `json` log lines.")

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

    def discord_shards(self) -> tuple[int | None, list[int] | None]:
        """(shard count, this process's shard ids); raises ValueError naming the setting."""
        count = self.discord_shard_count
        if count is None:
            if self.discord_shard_ids:
                raise ValueError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT")
            return None, None
        if count < 1:
            raise ValueError(f"DISCORD_SHARD_COUNT must be 1 or more, not {count}")
        if not self.discord_shard_ids:
            return count, None
        try:
            ids = sorted({int(part) for part in self.discord_shard_ids.split(",") if part.strip()})
        except ValueError:
            raise ValueError(
                f"DISCORD_SHARD_IDS must be shard numbers like 0,1, not {self.discord_shard_ids!r}"
            ) from None
        if not ids or ids[0] < 0 or ids[-1] >= count:
            raise ValueError(
                f"DISCORD_SHARD_IDS must be numbers from 0 to {count - 1} "
                f"(DISCORD_SHARD_COUNT is {count}), not {self.discord_shard_ids!r}"
            )
        return count, ids

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
