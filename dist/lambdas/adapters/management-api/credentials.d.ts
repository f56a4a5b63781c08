/**
 * Credentials for signing Management API posts, resolved once and reused until shortly
 * before they expire. The fan-out hot path then never waits on a provider.
 */
/** Structurally the SDK's `AwsCredentialIdentity`. */
export interface SigningCredentials {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string | undefined;
    /** When the credentials stop working; static credentials have none. */
    readonly expiration?: Date | undefined;
}
export type CredentialProvider = () => Promise<SigningCredentials>;
export interface CachedCredentialOptions {
    /** Fetch fresh credentials this long before the current ones expire. @default 300000 (5 min) */
    readonly refreshBeforeMs?: number;
    readonly nowMs?: () => number;
}
/**
 * Memoizes a provider: every caller shares one resolution, refreshed `refreshBeforeMs`
 * before `expiration`. A failed resolution is not cached, so the next call tries again.
 */
export declare function cachedCredentials(provider: CredentialProvider, options?: CachedCredentialOptions): CredentialProvider;
/**
 * The credentials Lambda puts in the environment of every function (its execution role's),
 * or undefined when they are not there. They stay valid for the life of the execution
 * environment, so reading them costs nothing after the first time.
 */
export declare function credentialsFromVariables(env: Readonly<Record<string, string | undefined>>): SigningCredentials | undefined;
