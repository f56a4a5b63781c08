/**
 * What a backend outside the functions (a server publishing with `topicast/server`, a script
 * calling the Management API with the AWS SDK) needs to reach a running `topicast local` /
 * `npm start`, as environment variables in a file: the local AWS endpoint, the operator's
 * credentials (a role outside the template allowed everything, as an administrator's
 * credentials are on AWS: the runtime refuses unsigned and unknown requests), the
 * certificate of the `https://127.0.0.1:<port>/<stage>` endpoints that connection rows
 * record, and the publish settings `grantPublish` hands a function (TOPICAST_TABLE_NAME,
 * TOPICAST_CONFIG, TOPICAST_FANOUT_FUNCTION), read from the template's function that has them.
 *
 * The file (`backend-<port>.env` in the local identity's folder, which only its user may open)
 * reads in a shell (`set -a; . FILE; set +a`) and with `node --env-file=FILE` (which does not
 * replace a variable already set, NODE_EXTRA_CA_CERTS included).
 */
import { writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { PUBLISH_ENV } from '../lambdas/composition/environment/server.js';
import { LOCAL_REGION } from '../local-runtime/assembly/local-app.js';
import type { LocalRuntime } from '../local-runtime/runtime.js';

/** The variables, in the order the file lists them. */
export function backendEnvironment(runtime: Pick<LocalRuntime, 'app' | 'awsEndpoint' | 'operatorCredentials'>, certFile: string): Record<string, string> {
  const operator = runtime.operatorCredentials;
  if (!operator) throw new Error('the runtime was started without its operator role (option operator)');
  const publisher = runtime.app.functions.find((fn) => fn.environment[PUBLISH_ENV.tableName] !== undefined);
  const publish = publisher ? Object.values(PUBLISH_ENV).flatMap((name) => (publisher.environment[name] === undefined ? [] : [[name, publisher.environment[name] as string] as const])) : [];
  return {
    AWS_REGION: LOCAL_REGION,
    AWS_ENDPOINT_URL: runtime.awsEndpoint,
    AWS_ACCESS_KEY_ID: operator.accessKeyId,
    AWS_SECRET_ACCESS_KEY: operator.secretAccessKey,
    AWS_SESSION_TOKEN: operator.sessionToken,
    NODE_EXTRA_CA_CERTS: certFile,
    ...Object.fromEntries(publish),
  };
}

/** Writes the variables to `backend-<port>.env` in `dir` (mode 0600); returns the file's path. */
export function writeBackendEnvironment(dir: string, port: number, variables: Readonly<Record<string, string>>): string {
  const file = join(dir, `backend-${port}.env`);
  const lines = [
    '# topicast local: what a backend outside the functions needs to reach the runtime on this port (docs/local.md).',
    // Single quotes keep JSON's double quotes for both readers; a value with a single quote or a line break cannot be carried.
    ...Object.entries(variables).map(([name, value]) => (/['\n]/.test(value) ? `# ${name} left out: its value holds a quote or a line break` : `${name}='${value}'`)),
  ];
  const draft = `${file}.${process.pid}`;
  writeFileSync(draft, `${lines.join('\n')}\n`, { mode: 0o600 });
  renameSync(draft, file);
  return file;
}
