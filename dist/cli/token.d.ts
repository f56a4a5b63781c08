import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
export declare const TOKEN_USAGE = "usage: topicast token --sub SUB [options]\n\nPrints a signed HS256 JWT for topicast (use it as ?token=... or as the Phoenix authToken).\n\n  --sub SUB          the user id (the token's \"sub\"); required\n  --ttl DURATION     lifetime: 30s, 15m, 1h, 2d (default 1h)\n  --claim KEY=VALUE  an extra claim, e.g. role=admin; repeat a key to make a list\n  --issuer ISS       the \"iss\" claim (when the stack checks tokenIssuer)\n  --audience AUD     the \"aud\" claim (when the stack checks tokenAudience)\n  --secret SECRET    the HS256 secret (default: TOPICAST_TOKEN_SECRET)\n  --stack NAME       sign with the secret of a deployed topicast stack\n                     (its TokenSecretArn output, read with your AWS credentials)\n  --region REGION    the stack's region (default: AWS_REGION or your AWS profile's)\n";
/** The name of the stack output that holds the token secret's ARN (lib/topicast-stack.ts). */
export declare const TOKEN_SECRET_OUTPUT = "TokenSecretArn";
/** A mistake in the command line: printed with the usage, exit status 2. */
export declare class UsageError extends Error {
    readonly name = "UsageError";
}
export type SecretSource = {
    readonly kind: 'value';
    readonly secret: string;
} | {
    readonly kind: 'stack';
    readonly stackName: string;
    readonly region: string | undefined;
};
export interface TokenRequest {
    readonly sub: string;
    readonly ttlSeconds: number;
    readonly claims: Readonly<Record<string, string | string[]>>;
    readonly issuer: string | undefined;
    readonly audience: string | undefined;
    readonly source: SecretSource;
}
/** Parses `topicast token` arguments; throws UsageError with a message a user can act on. */
export declare function parseTokenArgs(args: readonly string[], env: Readonly<Record<string, string | undefined>>): TokenRequest;
/** `30s`, `15m`, `1h`, `2d` to seconds. */
export declare function parseTtl(text: string): number;
/** `KEY=VALUE` pairs; a key given twice becomes a list (as Cognito's `cognito:groups`). */
export declare function parseClaims(pairs: readonly string[]): Record<string, string | string[]>;
/** Signs the token; `nowSeconds` is injectable so tests can pin iat/exp. */
export declare function signToken(request: TokenRequest, secret: string, nowSeconds?: number): Promise<string>;
/** The two AWS calls `--stack` makes; injectable so tests can stand in for AWS. */
export interface AwsClients {
    readonly cloudFormation: (region: string | undefined) => Pick<CloudFormationClient, 'send'>;
    readonly secretsManager: (region: string | undefined) => Pick<SecretsManagerClient, 'send'>;
}
export declare const sdkClients: AwsClients;
/** Reads the stack's `TokenSecretArn` output, then that secret's value. */
export declare function secretFromStack(stackName: string, region: string | undefined, clients?: AwsClients): Promise<string>;
/** Runs `topicast token`: resolves the secret, returns the signed token. */
export declare function tokenCommand(args: readonly string[], env: Readonly<Record<string, string | undefined>>, clients?: AwsClients): Promise<string>;
