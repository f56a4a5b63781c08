/**
 * Every reserved name of the wire protocol, in one place (as Phoenix keeps them in
 * constants.js), so the codecs, the use cases and the tests cannot disagree.
 */
/** Native actions; API Gateway selects the route on `$request.body.action`. */
export declare const ACTIONS: readonly ["join", "leave", "push", "ping"];
export type Action = (typeof ACTIONS)[number];
/** Route keys of the WebSocket API, in the order they are declared. */
export declare const ROUTE_KEYS: readonly ["$connect", "$disconnect", "join", "leave", "push", "ping", "$default"];
export type RouteKey = (typeof ROUTE_KEYS)[number];
/** Phoenix channel events (phoenix/assets/js/phoenix/constants.js). */
export declare const CHANNEL_EVENTS: {
    readonly join: "phx_join";
    readonly leave: "phx_leave";
    readonly reply: "phx_reply";
    readonly close: "phx_close";
    readonly error: "phx_error";
    readonly heartbeat: "heartbeat";
};
export declare const PRESENCE_EVENTS: {
    readonly state: "presence_state";
    readonly diff: "presence_diff";
};
/** The topic Phoenix clients send heartbeats on. */
export declare const PHOENIX_TOPIC = "phoenix";
/** The `vsn` query parameter value of the Phoenix V2 serializer. */
export declare const PHOENIX_V2_VSN = "2.0.0";
/** Clients may not push events that would impersonate the server. */
export declare const RESERVED_EVENT_PREFIXES: readonly ["phx_", "presence_"];
/** Stable error reasons; clients branch on these, so they never change meaning. */
export declare const REASONS: {
    readonly invalidFrame: "invalid_frame";
    readonly unknownAction: "unknown_action";
    readonly invalidTopic: "invalid_topic";
    readonly invalidEvent: "invalid_event";
    readonly reservedEvent: "reserved_event";
    readonly notJoined: "not_joined";
    readonly unauthorized: "unauthorized";
    readonly payloadTooLarge: "payload_too_large";
    readonly tooManyTopics: "too_many_topics";
    readonly rateLimited: "rate_limited";
    readonly internalError: "internal_error";
    /** Server-side publish (HTTP and SDK): a body or argument that is not JSON or has the wrong shape. */
    readonly invalidRequest: "invalid_request";
    /** Server-side publish: a batch over the 25-message limit. */
    readonly tooManyMessages: "too_many_messages";
};
export type Reason = (typeof REASONS)[keyof typeof REASONS];
export declare const REPLY_STATUS: {
    readonly ok: "ok";
    readonly error: "error";
};
