"""/metrics: the show's figures in Prometheus's text format, written by prometheus_client from
the published status (a collector of our own: nothing is counted twice, nothing kept between
scrapes but what the status holds)."""

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from installation.gallery.status import Status


class _Figures(Collector):
    def __init__(self, status: Status | None, problems: list[str], site):
        self.status, self.problems, self.site = status, problems, site

    def collect(self):
        yield GaugeMetricFamily("dreams_healthy", "1 when /api/health says 200",
                                value=float(not self.problems))  # fmt: skip
        site = self.site
        yield CounterMetricFamily("dreams_web_unauthorized", "requests without the token",
                                  value=site.unauthorized)  # fmt: skip
        yield CounterMetricFamily("dreams_web_jpegs", "pictures encoded for the page",
                                  value=site.jpegs_encoded)  # fmt: skip
        status = self.status
        if status is None:
            return
        gauges = {
            "network": ("the newest network's number", status.network),
            "networks_per_second": ("networks born a second, lately", status.networks_per_s),
            "frames_per_second": ("frames drawn a second, lately", status.frames_per_s),
            "seconds_since_network": ("since the last new network", status.since_network_s),
            "uptime_seconds": ("since the show began", status.uptime_s),
            "paused": ("1 while learning is paused", float(status.paused)),
            "open": ("1 while the gallery is open", float(status.open)),
            "threads_alive": ("the show's threads running", sum(a for _, a in status.threads)),
            "last_save_network": ("the network last saved in this show", status.last_save_network),
        }
        if status.last_save_unix is not None:
            gauges["last_save_timestamp_seconds"] = ("when it was saved", status.last_save_unix)
        if status.free_disk_bytes is not None:
            gauges["free_disk_bytes"] = ("free space where the saves go", status.free_disk_bytes)
        for name, (what, value) in gauges.items():
            yield GaugeMetricFamily(f"dreams_{name}", what, value=float(value))
        for name, what, value in (
            ("rebirths", "networks rolled back after diverging", status.rebirths),
            ("saves_failed", "saves that failed in this show", status.saves_failed),
            ("thread_faults", "exceptions that escaped a thread", status.thread_faults),
            ("commands_dropped", "commands a full inbox refused", status.commands_dropped),
        ):
            yield CounterMetricFamily(f"dreams_{name}", what, value=value)


def metrics_text(status: Status | None, problems: list[str], site) -> tuple[bytes, str]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Figures(status, problems, site))
    return generate_latest(registry), CONTENT_TYPE_LATEST
