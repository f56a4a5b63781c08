/**
 * The parts of API Gateway's WebSocket event and response that topicast reads. Shapes
 * follow what API Gateway sends (and what the local gateway reproduces).
 */
export interface GatewayRequestContext {
    readonly routeKey: string;
    readonly eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT';
    readonly connectionId: string;
    readonly domainName: string;
    readonly stage: string;
    readonly apiId: string;
    readonly connectedAt: number;
    readonly requestTimeEpoch: number;
    readonly requestId?: string;
    readonly messageId?: string;
    readonly extendedRequestId?: string;
    readonly messageDirection?: 'IN';
    readonly disconnectStatusCode?: number;
    readonly disconnectReason?: string;
    readonly identity?: {
        readonly sourceIp?: string;
        readonly userAgent?: string;
    };
}
export interface GatewayEvent {
    readonly requestContext: GatewayRequestContext;
    readonly body?: string | null;
    readonly isBase64Encoded?: boolean;
    readonly headers?: Readonly<Record<string, string | undefined>> | null;
    readonly multiValueHeaders?: Readonly<Record<string, readonly string[] | undefined>> | null;
    readonly queryStringParameters?: Readonly<Record<string, string | undefined>> | null;
}
export interface GatewayResponse {
    readonly statusCode: number;
    readonly body?: string;
    readonly headers?: Readonly<Record<string, string>>;
}
/**
 * The part of the Lambda context topicast reads. Lambda passes the full object; the local
 * gateway builds one per invocation with the function's own timeout, so deadlines behave alike.
 */
export interface LambdaContextLike {
    readonly awsRequestId: string;
    readonly functionName: string;
    /** Milliseconds left before Lambda (or the emulator) stops this invocation. */
    getRemainingTimeInMillis(): number;
}
export type GatewayHandler = (event: GatewayEvent, context?: LambdaContextLike) => Promise<GatewayResponse>;
/** API Gateway passes header names as the client sent them; HTTP says they are case-insensitive. */
export declare function lowerCaseHeaders(headers: GatewayEvent['headers']): Record<string, string | undefined>;
/** Text of a message event; binary frames arrive base64-encoded. */
export declare function bodyText(event: GatewayEvent): string | null;
