# callrec queue worker image: `docker build -t callrec .`
# Runs `callrec worker` against REDIS_URL; see README.md ("Scaling out").

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY callrec ./callrec
COPY worker ./worker
COPY audio ./audio
COPY redaction ./redaction
COPY vault ./vault
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CALLREC_DATA_DIR=/var/lib/callrec \
    CALLREC_METRICS_PORT=9191 \
    CALLREC_METRICS_HOST=0.0.0.0
RUN groupadd --system --gid 10001 callrec \
 && useradd --system --uid 10001 --gid callrec --home-dir /var/lib/callrec --create-home \
    --shell /usr/sbin/nologin callrec
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER callrec
WORKDIR /var/lib/callrec
EXPOSE 9191
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["callrec", "health", "--worker"]
# SIGTERM lets jobs in progress finish (or go back to the queue) before the container stops.
STOPSIGNAL SIGTERM
ENTRYPOINT ["callrec"]
CMD ["worker", "--processes", "2", "--threads", "2"]
