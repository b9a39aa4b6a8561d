"""The outbox relay's publish rate (issue 19): ``BENCH_RELAY_EVENTS`` real ``birth_registered``
envelopes staged in an outbox (a SQLite file, as ``make run`` has it) and published by
``OutboxRelay`` to a queue bound to them, until the outbox is empty: a window of
``OUTBOX_CONFIRM_WINDOW`` messages per confirm wait, and one confirm per message (the old way, the
same code with a window of 1). Each is printed against the broker's own rate measured in the same
run with the same envelopes and a bare kombu producer: with the same window, and with a confirm per
message (as ``bench.run``'s ``broker_rates``). Each rate is the median of ``BENCH_ROUNDS`` rounds
after a warm-up; ``python -m bench.relay`` prints them, ``figures()`` returns them.
"""

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # eventlet's deprecation notice
    import eventlet

eventlet.monkey_patch()

import logging  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

from kombu import Connection, Exchange, Producer, Queue  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench import settings  # noqa: E402
from services.registry.orm import OutboxMessage, RegistryBase  # noqa: E402
from shared.plumbing.db import make_engine  # noqa: E402
from shared.plumbing.outbox import CONFIRM_WINDOW, OutboxRelay, Relay, stage  # noqa: E402
from tests.support.factories import make_birth_envelope  # noqa: E402

SERVICE = "bench_relay"  # publishes to bench_relay.events
EVENTS = int(os.environ.get("BENCH_RELAY_EVENTS", 5000))
WINDOW = int(os.environ.get("OUTBOX_CONFIRM_WINDOW", CONFIRM_WINDOW))
EXCHANGE = Exchange(f"{SERVICE}.events", type="topic", durable=True)
QUEUE = Queue(f"{SERVICE}.births", EXCHANGE, routing_key="birth_registered", durable=True)


@dataclass
class Container:
    """What ``OutboxRelay`` reads of its nameko container."""
    service_name: str
    config: dict


def relay_rate(envelopes: list[dict], window: int, folder: Path) -> float:
    """Events per second from a full outbox to an empty one, through ``Relay.relay`` called back to
    back (the timer's path, each call claiming ``OUTBOX_RELAY_BATCH``)."""
    engine = make_engine(f"sqlite:///{folder}/outbox-{window}-{time.monotonic_ns()}.db")
    RegistryBase.metadata.create_all(engine)
    with Session(engine) as session:
        for envelope in envelopes:
            stage(session, OutboxMessage, envelope)
        session.commit()
    container = Container(SERVICE, {"AMQP_URI": settings.AMQP_URI, "OUTBOX_CONFIRM_WINDOW": window})
    provider = OutboxRelay().bind(container, "relay")
    provider.setup()
    try:
        with Session(engine) as session:
            relay = Relay(provider)
            started = time.perf_counter()
            published = 0
            while (sent := relay.relay(session, OutboxMessage)):
                published += sent
            seconds = time.perf_counter() - started
    finally:
        provider.stop()
        engine.dispose()
    if published != len(envelopes):
        raise RuntimeError(f"the relay published {published} of {len(envelopes)} events")
    return published / seconds


def broker_rate(envelopes: list[dict], window: int) -> float:
    """The same envelopes through a bare kombu producer on a channel in confirm mode, ``window``
    messages per wait for the broker's acks."""
    with Connection(settings.AMQP_URI) as conn:
        channel = conn.channel()
        channel.confirm_select()
        acked = []
        channel.events["basic_ack"].add(lambda tag, multiple: acked.append(tag))
        producer = Producer(channel, exchange=EXCHANGE, auto_declare=False)
        started = time.perf_counter()
        for start in range(0, len(envelopes), window):
            for envelope in envelopes[start:start + window]:
                producer.publish(envelope, routing_key="birth_registered", delivery_mode=2, mandatory=True,
                                 serializer="json", message_id=envelope["event_id"])
            last = min(start + window, len(envelopes))
            while not acked or acked[-1] < last:
                conn.drain_events(timeout=10)
        return len(envelopes) / (time.perf_counter() - started)


def median_rate(measure: Callable[[list[dict]], float]) -> float:
    """The median of ``BENCH_ROUNDS`` rounds after a warm-up, each on fresh envelopes and an empty queue."""
    rates = []
    for round_ in range(settings.ROUNDS + 1):
        envelopes = [make_birth_envelope() for _ in range(EVENTS)]
        purge()
        rate = measure(envelopes)
        if round_:
            rates.append(rate)
    purge()
    return statistics.median(rates)


def purge() -> None:
    with Connection(settings.AMQP_URI) as conn:
        QUEUE(conn.channel()).declare()
        QUEUE(conn.channel()).purge()


def figure(value: float, baseline: float) -> dict:
    return {"value": round(value), "unit": "events/s", "baseline": round(baseline),
            "ratio": round(value / baseline, 3)}


def figures() -> dict[str, dict]:
    folder = Path(tempfile.mkdtemp(prefix="ecd-bench-relay-"))
    windowed = median_rate(lambda envelopes: relay_rate(envelopes, WINDOW, folder))
    per_message = median_rate(lambda envelopes: relay_rate(envelopes, 1, folder))
    broker_windowed = median_rate(lambda envelopes: broker_rate(envelopes, WINDOW))
    broker_per_message = median_rate(lambda envelopes: broker_rate(envelopes, 1))
    with Connection(settings.AMQP_URI) as conn:
        QUEUE(conn.channel()).delete()
    return {"relay_publish_windowed": figure(windowed, broker_windowed),
            "relay_publish_per_message": figure(per_message, broker_per_message)}


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    found = figures()
    print(f"outbox relay, {EVENTS} birth envelopes from a SQLite outbox, window {WINDOW}, "
          f"median of {settings.ROUNDS} rounds; baseline: a bare kombu producer, same window")
    for name, values in found.items():
        print(f"  {name:28} {values['value']:>7} {values['unit']}  baseline {values['baseline']:>7}  "
              f"ratio {values['ratio']:.2f}")
    speedup = found["relay_publish_windowed"]["value"] / found["relay_publish_per_message"]["value"]
    print(f"  windowed / per message: {speedup:.1f} x")


if __name__ == "__main__":
    main()
