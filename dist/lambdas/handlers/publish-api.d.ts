/**
 * The HTTP publish API, independent of how the request arrived (a Lambda Function URL
 * deployed, the local gateway's own port locally):
 *   POST /publish     {"topic","event","payload"} | {"messages":[...]}  -> {"results":[{"topic","delivered","gone",...}]}
 *   POST /presence    {"topic"}                                        -> {"topic","presence":{<key>:{"metas":[...]}}}
 *   POST /occupancy   {"topic"}                                        -> {"topic","subscribers","presence"}
 *   POST /disconnect  {"connectionId"} | {"user"}                       -> {"closed","gone"}
 * Bad input answers 400 {"reason","message"} and sends nothing.
 */
import type { Limits } from '../core/config.js';
import type { Logger } from '../core/ports.js';
import type { ServerOperations } from '../core/use-cases/server-operations.js';
export interface PublishApiRequest {
    readonly method: string;
    /** The path without query string, e.g. `/publish`. */
    readonly path: string;
    readonly body: string;
}
export interface PublishApiResponse {
    readonly status: number;
    readonly body: unknown;
}
/** Largest body read: a Lambda Function URL refuses requests over 6 MB; 25 messages of 128 KB fit. */
export declare const MAX_PUBLISH_BODY_BYTES: number;
export declare function servePublishApi(deps: {
    readonly operations: ServerOperations;
    readonly limits: Pick<Limits, 'maxJsonDepth'>;
    readonly logger: Logger;
}, request: PublishApiRequest): Promise<PublishApiResponse>;
