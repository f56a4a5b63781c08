import type { CredentialProvider } from './credentials.js';
/** Signs one POST; returns the headers to send (host, x-amz-date, token, authorization). */
export interface RequestSigner {
    sign(host: string, path: string, body: string): Promise<Record<string, string>>;
}
export type SignerFactory = (service: string, region: string, credentials: CredentialProvider) => RequestSigner;
export declare const leanSigner: SignerFactory;
export declare class LeanSigV4 implements RequestSigner {
    private readonly service;
    private readonly region;
    private readonly credentials;
    private readonly nowMs;
    private dateSecond;
    private longDate;
    private shortDate;
    private keyFor;
    constructor(service: string, region: string, credentials: CredentialProvider, nowMs?: () => number);
    sign(host: string, path: string, body: string): Promise<Record<string, string>>;
    /** Formats the dates once per second. */
    private tick;
    /** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"), once per day. */
    private signingKey;
}
/**
 * Every service but S3 signs the path URI-encoded twice: normalize the segments, then
 * encode the already-encoded path once more, keeping the slashes.
 */
export declare function canonicalPath(path: string): string;
