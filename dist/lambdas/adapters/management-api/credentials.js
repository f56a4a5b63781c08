/**
 * Credentials for signing Management API posts, resolved once and reused until shortly
 * before they expire. The fan-out hot path then never waits on a provider.
 */
/**
 * Memoizes a provider: every caller shares one resolution, refreshed `refreshBeforeMs`
 * before `expiration`. A failed resolution is not cached, so the next call tries again.
 */
export function cachedCredentials(provider, options = {}) {
    const refreshBeforeMs = options.refreshBeforeMs ?? 5 * 60 * 1000;
    const nowMs = options.nowMs ?? Date.now;
    let current;
    let freshUntil = Number.POSITIVE_INFINITY;
    return () => {
        if (current && nowMs() < freshUntil)
            return current;
        const pending = provider().then((credentials) => {
            freshUntil = credentials.expiration ? credentials.expiration.getTime() - refreshBeforeMs : Number.POSITIVE_INFINITY;
            return credentials;
        }, (error) => {
            if (current === pending)
                current = undefined;
            throw error;
        });
        current = pending;
        freshUntil = Number.POSITIVE_INFINITY;
        return pending;
    };
}
/**
 * The credentials Lambda puts in the environment of every function (its execution role's),
 * or undefined when they are not there. They stay valid for the life of the execution
 * environment, so reading them costs nothing after the first time.
 */
export function credentialsFromVariables(env) {
    const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
    if (!accessKeyId || !secretAccessKey)
        return undefined;
    const expiration = env.AWS_CREDENTIAL_EXPIRATION ? new Date(env.AWS_CREDENTIAL_EXPIRATION) : undefined;
    return { accessKeyId, secretAccessKey, sessionToken, expiration: expiration && !Number.isNaN(expiration.getTime()) ? expiration : undefined };
}
