"""The operations endpoint: ``/healthz`` and ``/metrics`` (Prometheus) on their own port.

``PrometheusMetrics`` implements the core's ``Metrics`` port on a registry of its own (no
process-wide globals, so several apps can live in one test process).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

log = logging.getLogger(__name__)

_COUNTERS = {
    "posts": ("interview_bot_posts_total", "Questions posted", ("platform",)),
    "reveals": ("interview_bot_reveals_total", "Answers revealed", ("platform",)),
    "replies": ("interview_bot_replies_total", "Answers recorded", ("platform", "kind")),
    "rate_limit_wait_seconds": (
        "interview_bot_rate_limit_wait_seconds_total", "Seconds spent waiting on platform rate limits", ("platform",)
    ),
    "errors": ("interview_bot_errors_total", "Errors by where they happened", ("where",)),
}
_HISTOGRAMS = {
    "command_seconds": ("interview_bot_command_seconds", "Time to handle a command", ("command",)),
}


class PrometheusMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._counters = {key: Counter(name, doc, labels, registry=self.registry)
                          for key, (name, doc, labels) in _COUNTERS.items()}
        self._histograms = {key: Histogram(name, doc, labels, registry=self.registry)
                            for key, (name, doc, labels) in _HISTOGRAMS.items()}

    def count(self, name: str, amount: float = 1.0, **labels: str) -> None:
        counter = self._counters.get(name)
        if counter is None:
            log.debug("unknown counter %s", name)
            return
        counter.labels(**_only(labels, counter._labelnames)).inc(amount)  # noqa: SLF001

    def observe(self, name: str, value: float, **labels: str) -> None:
        histogram = self._histograms.get(name)
        if histogram is not None:
            histogram.labels(**_only(labels, histogram._labelnames)).observe(value)  # noqa: SLF001

    def render(self) -> bytes:
        return generate_latest(self.registry)


def _only(labels: dict[str, str], names: tuple[str, ...]) -> dict[str, str]:
    return {name: labels.get(name, "") for name in names}


class OpsServer:
    """Serves health and metrics; ``healthy`` checks the database and the scheduler."""

    def __init__(self, metrics: PrometheusMetrics, healthy: Callable[[], Awaitable[bool]], host: str, port: int) -> None:
        self.metrics = metrics
        self.healthy = healthy
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self._health)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server  # noqa: SLF001 - the bound port when port 0 was asked for
        if server is not None and server.sockets:  # type: ignore[union-attr]
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        log.info("ops endpoint on http://%s:%s/healthz and /metrics", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _health(self, _request: web.Request) -> web.Response:
        try:
            ok = await self.healthy()
        except Exception:  # noqa: BLE001 - any failure is "unhealthy", with the reason logged
            log.exception("health check failed")
            ok = False
        return web.json_response({"ok": ok}, status=200 if ok else 503)

    async def _metrics(self, _request: web.Request) -> web.Response:
        return web.Response(body=self.metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})
