export declare const MAX_TOPIC_LENGTH = 255;
export declare const MAX_EVENT_LENGTH = 64;
export declare function assertValidTopic(topic: unknown): asserts topic is string;
/** Validates an event a client pushes; server-side events (`phx_*`, `presence_*`) are refused. */
export declare function assertValidPushEvent(event: unknown): asserts event is string;
/** Events only the server may send (`phx_*`, `presence_*`). */
export declare function isReservedEvent(event: string): boolean;
/** FNV-1a: a stable, fast string hash so a connection always lands on the same shard. */
export declare function shardOf(connectionId: string, shards: number): number;
