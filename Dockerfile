# syntax=docker/dockerfile:1
# Build stage: install Studybot and its dependencies into a virtual environment.
FROM python:3.11-slim AS build
# A C compiler, so that the scoring and indexing extensions (setup.py) are built, not skipped.
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
RUN python -m venv /opt/studybot
COPY pyproject.toml setup.py README.md ./
COPY bot ./bot
# Optional extras, comma-separated: docker build --build-arg EXTRAS=semantic (the embedding model, +85 MB)
ARG EXTRAS=""
RUN /opt/studybot/bin/pip install --no-cache-dir ".${EXTRAS:+[$EXTRAS]}"

# Run stage: the venv, the corpus and the example config; no compilers, no root.
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 studybot \
    && mkdir -p /data && chown studybot:studybot /data
COPY --from=build /opt/studybot /opt/studybot
COPY corpus /app/corpus
COPY config.example.yaml /app/config.example.yaml
ENV PATH=/opt/studybot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    STUDYBOT_DATA_DIR=/data
WORKDIR /app
USER studybot
# The SQLite database and the saved index live here; mount a volume to keep them.
VOLUME ["/data"]
# Exec form: the bot is PID 1 and receives SIGTERM directly, so it can finish replies and exit 0.
ENTRYPOINT ["studybot"]
CMD ["run", "--corpus", "/app/corpus"]
