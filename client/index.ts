/** `topicast/client`: what a browser or Node client of topicast may use beside the `phoenix` package. */
export { apiGatewayTransport, stripPhoenixSuffix } from './phoenix-transport.js';
export { SeqTracker, type JoinHistoryResponse, type SeqTrackerOptions } from './seq-tracker.js';
