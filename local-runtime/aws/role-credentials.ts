/**
 * Credentials that identify a function's role, as Lambda hands each execution environment
 * temporary credentials of its role (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN): one access key per function (named by the function and its role), a
 * secret key and a session token per key derived from one secret, and the caller's
 * `arn:aws:sts::<account>:assumed-role/<role>/<function>` behind the key. Runtimes given the
 * same secret (the machine's local identity, local-identity.ts) issue the same credentials
 * for the same template, so each one verifies the others' functions' requests.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
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

  /** @param secret what the credentials derive from. @default one made now (known to this instance only) */
  public constructor(private readonly secret: string = randomBytes(32).toString('base64url')) {}

  /** The credentials of one function running with `roleArn`. */
  public issue(functionName: string, roleArn: string): Caller {
    const accessKeyId = `ASIA${createHash('sha256').update(`${functionName}\u0000${roleArn}`).digest('hex').slice(0, 16).toUpperCase()}`;
    const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
    const caller: Caller = {
      accessKeyId,
      secretAccessKey: this.derive('secret access key', accessKeyId).slice(0, 40),
      sessionToken: this.derive('session token', accessKeyId),
      roleArn,
      principalArn: `arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/${roleName}/${functionName}`,
    };
    this.byAccessKey.set(accessKeyId, caller);
    return caller;
  }

  private derive(purpose: string, accessKeyId: string): string {
    return createHmac('sha256', this.secret).update(`${purpose}\u0000${accessKeyId}`).digest('base64url');
  }

  public callerOf(accessKeyId: string): Caller | undefined {
    return this.byAccessKey.get(accessKeyId);
  }
}
