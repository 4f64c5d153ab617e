# Interview bot image: the package plus its question packs and shipped config, run as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Install dependencies and the package first, so editing content/ or config/ reuses this layer.
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install .

# Settings and question packs are read relative to the working directory (/app).
COPY config ./config
COPY content ./content

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin bot \
    && mkdir -p /app/data \
    && chown bot:bot /app/data

USER bot
VOLUME ["/app/data"]

CMD ["interview-bot", "run"]
