# Design Kata in a container: `docker build -t design-kata .`, then see the adapter READMEs.
FROM python:3.12-slim

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY kata ./kata
COPY content ./content
COPY migrations ./migrations
# Editable, so the bot finds content/ and migrations/ beside its code, as in a clone.
RUN pip install --no-cache-dir -e . \
    && useradd --create-home kata \
    && mkdir /data && chown kata /data

USER kata
WORKDIR /data
# The SQLite file lives on the /data volume; set DATABASE_URL to PostgreSQL for a team.
ENV DATABASE_URL=sqlite:////data/kata.db
EXPOSE 3000
# Liveness from the bot's own web server (/healthz on PORT); remove it with HTTP_ENABLED=false.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]
CMD ["kata", "run"]
