/** `topicast/client`: what a browser or Node client of topicast may use beside the `phoenix` package. */
export { apiGatewayTransport, stripPhoenixSuffix } from './phoenix-transport.js';
export { SeqTracker, type JoinHistoryResponse, type SeqTrackerOptions } from './seq-tracker.js';
export { createHeartbeatCodec, HEARTBEAT_FRAME, type HeartbeatCodec, type PhoenixMessage } from './heartbeat-codec.js';
export {
  FINAL_CLOSE_CODE,
  RECONNECT_CLOSE_CODE,
  TOPICAST_SOCKET_DEFAULTS,
  topicastSocket,
  type ChannelLike,
  type PushLike,
  type SignalSource,
  type SocketLike,
  type TopicastSocketOptions,
} from './topicast-socket.js';
