"""channels_redis's pub/sub layer, telling this process's sockets when its subscriptions come
back after Redis went away.

Pub/sub keeps nothing. While a process is not subscribed (Redis restarted, and its subscriber
has not reconnected yet), what the relay publishes reaches none of its sockets, and the relay
counts it delivered: a grid would show a slot taken meanwhile as free until its next change or
a reload. So once the subscriber's connection is back and subscribed again, every channel of
this process gets a ``realtime.RESUBSCRIBED`` message; the consumers answer it with a snapshot,
read after that point, which holds whatever was missed.

A group message reaches every socket of the group in this process as the same bytes: it is
read once, and every consumer of it gets the same dict (which, as every message a consumer
gets, it reads and does not change).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from typing import Any, cast

from channels_redis.pubsub import (
    RedisPubSubChannelLayer,
    RedisPubSubLoopLayer,
    RedisSingleShardConnection,
)
from redis.asyncio.client import PubSub, Redis
from redis.asyncio.connection import AbstractConnection, Connection
from redis.exceptions import ConnectionError as RedisConnectionError

from scheduler.adapters.realtime import RESUBSCRIBED

log = logging.getLogger(__name__)


class PubSubLayer(RedisPubSubChannelLayer):  # type: ignore[misc]
    """``RedisPubSubChannelLayer`` (the same settings), which tells of resubscriptions and
    reads a group message once a process."""

    _last_read: tuple[bytes, Any] = (b"", None)

    def deserialize(self, message: bytes) -> Any:
        # channels_redis reads a message for each receiving socket: for one event on a day
        # that 500 sockets watch, msgpack read the same bytes 500 times. One tuple, so that a
        # thread reading too (a loop of its own) never pairs one message's bytes with
        # another's dict.
        raw, read = self._last_read
        if message is not raw:
            read = super().deserialize(message)
            self._last_read = (message, read)
        return read

    async def new_channel(self, prefix: str = "specific.") -> str:
        """channels_redis's, which kept the channel's queue when its subscribe failed (Redis
        away): each browser retrying through an outage left one, and every resubscription's
        message went into each for the life of the process."""
        layer = self._get_layer()
        channel = f"{layer.prefix}{prefix}{uuid.uuid4().hex}"
        try:
            await layer._subscribe_to_channel(channel)
        except BaseException:
            layer.channels.pop(channel, None)
            raise
        return channel

    async def forget(self, channel: str) -> None:
        """Unsubscribe the channel of a consumer that has ended. channels_redis does it only
        when the consumer is cancelled while it waits in ``receive``; one that ended while
        it held a message (a busy day's socket closing) kept its subscription, in Redis and
        here, for the life of the process."""
        layer = self._get_layer()
        if layer.channels.pop(channel, None) is not None:
            await layer._get_shard(channel).unsubscribe(channel)

    def _get_layer(self) -> RedisPubSubLoopLayer:
        # Every receive of every socket comes here: the loop's layer is looked up first.
        layer: RedisPubSubLoopLayer | None = self._layers.get(asyncio.get_running_loop())
        if layer is None:
            layer = super()._get_layer()
            # Made just now for this event loop, before any use: its shards are not connected.
            layer._shards = [_TellingShard(shard.host, layer) for shard in layer._shards]
        return layer


class _TellingShard(RedisSingleShardConnection):  # type: ignore[misc]
    async def subscribe(self, channel: str) -> None:
        """channels_redis's, tried once more on a connection found broken. One that broke
        while Redis was away (a restart) is found so only by the next command written on it:
        redis-py then connects again and raises, since it retries nothing by default, and the
        first socket to open after Redis came back was refused. The second try goes on the
        new connection; a Redis still away refuses it too."""
        try:
            await super().subscribe(channel)
        except RedisConnectionError as error:
            log.info("Redis connection found broken; subscribing %s again (%r)", channel, error)
            await super().subscribe(channel)

    async def unsubscribe(self, channel: str) -> None:
        """A subscription lives as long as its connection: with none (Redis gone), there is
        nothing to end there, only its renewal on reconnecting to leave out. Tried on a dead
        connection, one UNSUBSCRIBE after another waited for its timeout, and the first
        failure stopped a closing socket halfway through its groups: the rest kept the dead
        channel, and were subscribed again, for the life of the process."""
        if self._pubsub is not None and not _connected(self._pubsub):
            self._leave_out(channel)
            return
        try:
            await super().unsubscribe(channel)
        except Exception as error:
            # Redis gone meanwhile, or redis-py's subscriber closing the connection under the
            # write ('NoneType' object has no attribute 'writelines'): either way the
            # connection, and the subscription with it, is going. Raised, the error stopped a
            # closing socket halfway through its groups.
            log.info("Redis away: %s is not subscribed again (%r)", channel, error)
            self._leave_out(channel)
        except BaseException:
            # Cancelled halfway (daphne ends a consumer that outlives its client): whether
            # Redis heard it or not, the shard must not think it holds the channel, or a socket
            # joining it later would skip the SUBSCRIBE and hear nothing.
            self._leave_out(channel)
            raise

    def _leave_out(self, channel: str) -> None:
        """Neither held here nor renewed on reconnecting; a later subscribe sends SUBSCRIBE."""
        self._subscribed_to.discard(channel)
        if self._pubsub is not None:
            encoder = self._pubsub.encoder  # the key as redis-py keeps it (_normalize_keys)
            self._pubsub.channels.pop(encoder.decode(encoder.encode(channel)), None)

    def _ensure_redis(self) -> None:
        if self._redis is None:
            super()._ensure_redis()
            # As Redis.pubsub() makes it, but of the class that tells.
            redis = cast(Redis, self._redis)
            pool = redis.connection_pool
            pool.connection_class = _handshake_first(pool.connection_class)
            self._pubsub = _TellingPubSub(
                redis.connection_pool,
                event_dispatcher=redis._event_dispatcher,
                told=self._tell_channels,
            )

    def _tell_channels(self) -> None:
        """Every channel of this loop, whichever shard its groups are on: one snapshot too
        many costs a read, one too few shows a taken slot free."""
        message = self.channel_layer.channel_layer.serialize({"type": RESUBSCRIBED})
        for queue in self.channel_layer.channels.values():
            queue.put_nowait(message)


class _HandshakeFirst(AbstractConnection):
    """A connection on which the task that connects speaks alone until its handshake is over.

    redis-py counts a connection open once its socket is, before the handshake (CLIENT
    SETINFO, AUTH, SELECT) has had its replies. Reconnected by a socket subscribing after
    Redis came back, the subscriber's connection was read meanwhile by channels_redis's
    receive loop, which polls it every 0.1 s: the loop took the handshake's reply (and
    logged it as an error), and the subscribing socket waited for it until daphne gave up on
    its opening. Reconnected by the loop, a SUBSCRIBE written meanwhile by an opening socket
    put its reply before the handshake's (found in review, with SELECT: the handshake failed).
    Other tasks' reads and writes now wait for the handshake."""

    _handshake: tuple[asyncio.Task[Any] | None, asyncio.Event] | None = None

    async def on_connect_check_health(self, check_health: bool = True) -> None:
        done = asyncio.Event()
        self._handshake = (asyncio.current_task(), done)
        try:
            await super().on_connect_check_health(check_health=check_health)
        finally:
            done.set()

    async def _after_the_handshake(self) -> None:
        if self._handshake is not None:
            shaking, done = self._handshake
            if shaking is not asyncio.current_task():
                await done.wait()

    async def read_response(self, *args: Any, **kwargs: Any) -> Any:
        await self._after_the_handshake()
        return await super().read_response(*args, **kwargs)

    async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        await self._after_the_handshake()
        await super().send_packed_command(command, check_health)


def _handshake_first(connection_class: type[AbstractConnection]) -> type[AbstractConnection]:
    """The pool's own class (plain, TLS or a Unix socket, as its URL says), made to finish
    its handshake before other tasks use it."""
    return type(
        f"HandshakeFirst{connection_class.__name__}", (_HandshakeFirst, connection_class), {}
    )


def _connected(pubsub: PubSub) -> bool:
    return pubsub.connection is not None and pubsub.connection.is_connected


class _TellingPubSub(PubSub):
    def __init__(self, *args: Any, told: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._told = told

    async def on_connect(self, connection: Connection) -> None:
        # redis-py renews every subscription it was not told had ended, those whose
        # UNSUBSCRIBE went out (or failed to) as the connection was lost among them.
        for channel in self.pending_unsubscribe_channels:
            self.channels.pop(channel, None)
        # Called on every connect; only a reconnection finds subscriptions to renew (the first
        # SUBSCRIBE records its channels once it is sent).
        again = self.subscribed
        await super().on_connect(connection)
        if again:
            self._told()
