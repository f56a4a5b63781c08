/**
 * Stands in for `@aws-sdk/credential-provider-node` inside the Lambda bundles (an esbuild
 * alias: BUNDLE_ALIASES in lib/realtime-api-defaults.ts). Lambda puts the execution role's
 * credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, where the
 * SDK's default chain finds them in its first link every time; the rest of the chain (INI
 * files, SSO, processes, web identity, container and instance metadata, and the STS and SSO
 * clients they carry) is about 80 KB of bundle that a Lambda never runs. Everything that
 * is not bundled for Lambda (the local gateway, the CLI, the server SDK, tests) keeps the
 * real chain.
 */
import { credentialsFromVariables, type CredentialProvider } from '../adapters/management-api/credentials.js';

/** The shape the SDK clients call: `credentialDefaultProvider(init)()` resolves the credentials. */
export function defaultProvider(): CredentialProvider {
  return () => {
    const credentials = credentialsFromVariables(process.env);
    return credentials
      ? Promise.resolve(credentials)
      : Promise.reject(new Error('no AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY): this bundle is built for AWS Lambda, which sets them'));
  };
}
