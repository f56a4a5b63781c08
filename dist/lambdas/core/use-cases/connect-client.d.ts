import type { TopicastConfig } from '../config.js';
import type { Identity } from '../identity.js';
import type { Clock, RealtimeStore, TokenVerifier } from '../ports.js';
import type { Requester } from './requester.js';
/** Phoenix's `authToken` rides in Sec-WebSocket-Protocol, as browsers cannot set headers. */
export declare const PHOENIX_SUBPROTOCOL = "phoenix";
export declare const AUTH_TOKEN_SUBPROTOCOL_PREFIX = "base64url.bearer.phx.";
export interface ConnectRequest extends Requester {
    /** Header names in lower case. */
    readonly headers: Readonly<Record<string, string | undefined>>;
    readonly query: Readonly<Record<string, string | undefined>>;
}
export interface ConnectResult {
    readonly identity: Identity | null;
    /** The subprotocol to echo; API Gateway fails the handshake if a requested one is not echoed. */
    readonly subprotocol: string | null;
}
export interface ConnectClientDependencies {
    readonly store: RealtimeStore;
    readonly config: TopicastConfig;
    readonly clock: Clock;
    readonly verifier?: TokenVerifier | undefined;
}
export declare function connectClient(deps: ConnectClientDependencies, request: ConnectRequest): Promise<ConnectResult>;
export declare function parseSubprotocols(header: string | undefined): string[];
