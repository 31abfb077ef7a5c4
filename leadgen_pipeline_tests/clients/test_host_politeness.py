"""Per-host politeness: requests in flight per host and in all, a pace per host, deadlines.

Decisions of `HostPoliteness` seen from many threads; the fetcher's use of it
(Crawl-delay, the site budget) is in test_web_fetcher.py.
"""

import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from leadgen_pipeline.clients.host_politeness import HostPoliteness, SlotTimeout


class Recorder:
    """Runs requests through the politeness and records when each started and how many
    were in flight, per host and in all."""

    def __init__(self, politeness: HostPoliteness, hold_s: float = 0.05) -> None:
        self.politeness = politeness
        self.hold_s = hold_s
        self.lock = threading.Lock()
        self.starts: dict[str, list[float]] = {}
        self.peak: dict[str, int] = {}
        self.peak_all = 0

    def request(self, host: str) -> None:
        with self.politeness.slot(host):
            with self.lock:
                key = host.lower()
                self.starts.setdefault(key, []).append(time.monotonic())
                self.peak[key] = max(self.peak.get(key, 0), self.politeness.in_flight(host))
                self.peak_all = max(self.peak_all, self.politeness.in_flight())
            time.sleep(self.hold_s)

    def run(self, hosts: list[str], threads: int = 12) -> None:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(self.request, hosts))


def test_a_host_never_has_more_than_its_requests_in_flight():
    recorder = Recorder(HostPoliteness(max_in_flight_per_host=2, min_interval_s=0))
    recorder.run(["a.example"] * 12)
    assert recorder.peak == {"a.example": 2}


def test_other_hosts_do_not_wait_for_a_busy_one():
    recorder = Recorder(HostPoliteness(max_in_flight_per_host=1, min_interval_s=0), hold_s=0.2)
    recorder.run([f"host{n}.example" for n in range(8)], threads=8)
    # Eight hosts, one request each, all in flight together.
    assert recorder.peak_all == 8
    starts = [start for host_starts in recorder.starts.values() for start in host_starts]
    assert max(starts) - min(starts) < 0.2


def test_the_process_never_holds_more_than_its_connections():
    recorder = Recorder(HostPoliteness(max_connections=3, min_interval_s=0))
    recorder.run([f"host{n}.example" for n in range(12)])
    assert recorder.peak_all == 3


def test_requests_to_one_host_start_at_its_pace_hostname_case_aside():
    recorder = Recorder(HostPoliteness(max_in_flight_per_host=4, min_interval_s=0.1), hold_s=0)
    recorder.run(["Pace.example", "pace.example", "PACE.EXAMPLE", "pace.example"] * 2)
    starts = sorted(recorder.starts["pace.example"])
    assert list(recorder.starts) == ["pace.example"] and len(starts) == 8
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert min(gaps) >= 0.1 - 0.005  # the monotonic clock's resolution


def test_a_crawl_delay_longer_than_the_pace_is_honoured():
    politeness = HostPoliteness(min_interval_s=0.01)
    starts = []
    for _ in range(3):
        with politeness.slot("slow.example", crawl_delay_s=0.2):
            starts.append(time.monotonic())
    assert starts[1] - starts[0] >= 0.2 - 0.005 and starts[2] - starts[1] >= 0.2 - 0.005


def test_no_room_before_the_deadline_raises_and_leaves_nothing_held():
    politeness = HostPoliteness(max_in_flight_per_host=1, min_interval_s=0)
    with politeness.slot("busy.example"):
        with (
            pytest.raises(SlotTimeout),
            politeness.slot("busy.example", deadline=time.monotonic() + 0.05),
        ):
            pass
        assert politeness.in_flight("busy.example") == 1
    assert politeness.in_flight() == 0
    # A deadline already past admits nothing.
    with pytest.raises(SlotTimeout), politeness.slot("idle.example", deadline=time.monotonic() - 1):
        pass
    assert politeness.in_flight() == 0


def test_idle_hosts_are_forgotten_past_the_bound():
    politeness = HostPoliteness(min_interval_s=0, max_hosts=3)
    for n in range(10):
        with politeness.slot(f"host{n}.example"):
            pass
    assert politeness.hosts_tracked() <= 4  # the bound, plus the host just admitted


def test_settings_that_admit_nothing_are_refused():
    with pytest.raises(ValueError):
        HostPoliteness(max_in_flight_per_host=0)
    with pytest.raises(ValueError):
        HostPoliteness(max_connections=0)
    with pytest.raises(ValueError):
        HostPoliteness(min_interval_s=-1)
