/**
 * What the server-side operations (the SDK, the HTTP publish route, the CLI) need beyond
 * the ports of the WebSocket routes: closing a connection and finding a user's connections.
 */
export {};
