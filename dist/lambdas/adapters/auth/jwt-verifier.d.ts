import type { Identity } from '../../core/identity.js';
import type { TokenVerifier } from '../../core/ports.js';
export interface JwtVerifierOptions {
    /** HS256 secret, fetched at most once (e.g. from Secrets Manager at cold start). */
    readonly secret?: (() => Promise<string>) | undefined;
    /** JWKS URL for RS256/ES256 tokens (Cognito, Auth0). */
    readonly jwksUrl?: string | undefined;
    readonly issuer?: string | undefined;
    readonly audience?: string | undefined;
    /** Tolerated clock skew for exp/nbf, in seconds. @default 5 */
    readonly clockToleranceSeconds?: number | undefined;
}
export declare class JwtVerifier implements TokenVerifier {
    private readonly options;
    private secretKey;
    private readonly jwks;
    constructor(options: JwtVerifierOptions);
    verify(token: string): Promise<Identity>;
    private verifiedPayload;
    private hmacKey;
}
