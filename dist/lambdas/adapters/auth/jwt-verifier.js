/**
 * Verifies connect tokens with `jose`. The key is chosen by the token's algorithm family
 * and each family accepts only its own algorithms, so an RS256 public key can never be
 * used as an HS256 secret (algorithm confusion) and `alg: none` is always refused.
 * `exp` is required and enforced, `nbf` enforced when present (5 s clock tolerance).
 */
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import { ConnectRefusedError } from '../../core/errors.js';
const HMAC_ALGORITHMS = ['HS256'];
const ASYMMETRIC_ALGORITHMS = ['RS256', 'ES256'];
export class JwtVerifier {
    options;
    secretKey;
    jwks;
    constructor(options) {
        this.options = options;
        if (!options.secret && !options.jwksUrl)
            throw new Error('JwtVerifier needs a secret or a JWKS URL');
        this.jwks = options.jwksUrl ? createRemoteJWKSet(new URL(options.jwksUrl)) : undefined;
    }
    async verify(token) {
        const payload = await this.verifiedPayload(token);
        if (typeof payload.sub !== 'string' || payload.sub.length === 0)
            throw new ConnectRefusedError(401, 'token has no subject (sub)');
        return { sub: payload.sub, claims: payload };
    }
    async verifiedPayload(token) {
        let alg;
        try {
            alg = decodeProtectedHeader(token).alg;
        }
        catch (error) {
            throw new ConnectRefusedError(401, 'token is malformed', { cause: error });
        }
        const common = {
            clockTolerance: this.options.clockToleranceSeconds ?? 5,
            // A token without `exp` would be valid forever: refuse it rather than trust it.
            requiredClaims: ['exp'],
            ...(this.options.issuer ? { issuer: this.options.issuer } : {}),
            ...(this.options.audience ? { audience: this.options.audience } : {}),
        };
        try {
            if (alg !== undefined && HMAC_ALGORITHMS.includes(alg) && this.options.secret) {
                return (await jwtVerify(token, await this.hmacKey(), { ...common, algorithms: HMAC_ALGORITHMS })).payload;
            }
            if (alg !== undefined && ASYMMETRIC_ALGORITHMS.includes(alg) && this.jwks) {
                return (await jwtVerify(token, this.jwks, { ...common, algorithms: ASYMMETRIC_ALGORITHMS })).payload;
            }
        }
        catch (error) {
            // The secret or the JWKS could not be read: our failure, not the client's (500, not 401).
            if (isKeySourceFailure(error))
                throw error;
            throw new ConnectRefusedError(401, refusalMessage(error), { cause: error });
        }
        throw new ConnectRefusedError(401, `token algorithm ${String(alg)} is not accepted`);
    }
    hmacKey() {
        const load = this.options.secret;
        if (!load)
            throw new Error('no HS256 secret configured');
        // Cache the promise, not the value, so concurrent cold-start calls fetch once; forget failures.
        this.secretKey ??= load().then((secret) => new TextEncoder().encode(secret), (error) => {
            this.secretKey = undefined;
            throw error;
        });
        return this.secretKey;
    }
}
/**
 * Errors that say nothing about the token: Secrets Manager failing, the JWKS endpoint down,
 * slow, or answering something that is not a key set. Every token problem is a JOSEError
 * subclass; jose throws a bare JOSEError only when fetching a JWKS.
 */
function isKeySourceFailure(error) {
    if (!(error instanceof errors.JOSEError))
        return true;
    return error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || error.constructor === errors.JOSEError;
}
function refusalMessage(error) {
    if (error instanceof errors.JWTExpired)
        return 'token has expired';
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'exp' && error.reason === 'missing')
        return 'token has no expiry (exp)';
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf' && error.reason === 'check_failed')
        return 'token is not valid yet (nbf)';
    if (error instanceof errors.JWTClaimValidationFailed)
        return `token claim ${error.claim} is not valid: ${error.reason}`;
    if (error instanceof errors.JWSSignatureVerificationFailed)
        return 'token signature is not valid';
    if (error instanceof errors.JOSEAlgNotAllowed)
        return 'token algorithm is not accepted';
    if (error instanceof errors.JWKSNoMatchingKey)
        return 'no key of the JWKS matches the token';
    return 'token is not valid';
}
