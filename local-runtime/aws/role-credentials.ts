/**
 * Credentials that identify a function's role, as Lambda hands each execution environment
 * temporary credentials of its role (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN): one access key per function, a secret made at start, and the
 * caller's `arn:aws:sts::<account>:assumed-role/<role>/<function>` behind the key.
 */
import { createHash, randomBytes } from 'node:crypto';
import { LOCAL_ACCOUNT } from '../assembly/local-app.js';

export interface Caller {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** The role's ARN, whose policies decide. */
  readonly roleArn: string;
  /** `arn:aws:sts::<account>:assumed-role/<role name>/<function name>`: the principal AWS names in a denial. */
  readonly principalArn: string;
}

export class RoleCredentials {
  private readonly byAccessKey = new Map<string, Caller>();
  private readonly secret = randomBytes(20).toString('base64url');

  /** The credentials of one function running with `roleArn`. */
  public issue(functionName: string, roleArn: string): Caller {
    const accessKeyId = `ASIA${createHash('sha256').update(`${functionName}\u0000${roleArn}`).digest('hex').slice(0, 16).toUpperCase()}`;
    const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
    const caller: Caller = {
      accessKeyId,
      secretAccessKey: this.secret,
      sessionToken: randomBytes(24).toString('base64url'),
      roleArn,
      principalArn: `arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/${roleName}/${functionName}`,
    };
    this.byAccessKey.set(accessKeyId, caller);
    return caller;
  }

  public callerOf(accessKeyId: string): Caller | undefined {
    return this.byAccessKey.get(accessKeyId);
  }
}
