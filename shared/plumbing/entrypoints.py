"""nameko's RPC entrypoint and consumers, made prompt to stop: every service uses ``rpc`` from here.

nameko's queue consumers wait up to one second on the broker's socket between looks at their own
state, and a stop goes through them three times in turn (entrypoints, then the RPC reply listener,
then the consumer itself), so every service took 2-3 s to stop and five of them, sharing two cores,
came close to the 5 s that Kubernetes and systemd allow. Here they look every 0.1 s: a stop takes
a few tenths of a second, at the cost of a heartbeat check per look.
"""

from typing import Any

from nameko.messaging import QueueConsumer
from nameko.rpc import ReplyListener, Rpc, RpcConsumer

DRAIN_SECONDS = 0.1


class PromptQueueConsumer(QueueConsumer):
    def consume(self, *args: Any, **kwargs: Any) -> Any:
        return super().consume(*args, safety_interval=DRAIN_SECONDS, **kwargs)


class PromptRpcConsumer(RpcConsumer):
    queue_consumer = PromptQueueConsumer()


class PromptRpc(Rpc):
    rpc_consumer = PromptRpcConsumer()


class PromptReplyListener(ReplyListener):
    queue_consumer = PromptQueueConsumer()


rpc = PromptRpc.decorator
