/**
 * Secrets Manager behind the local AWS endpoint: `GetSecretValue` of the template's
 * `AWS::SecretsManager::Secret`s. A secret's value is, in this order: the one the runtime
 * was given for it (by logical id, name or construct path: `npm start` gives topicast's
 * token secret as TOPICAST_TOKEN_SECRET), its `SecretString`, or one generated at start
 * from its `GenerateSecretString` (length and character classes; the JSON template with
 * the generated key), as CloudFormation generates it at creation. Nothing is stored:
 * values live as long as the runtime.
 */
import { randomInt } from 'node:crypto';
import type { SecretModel } from '../assembly/local-app.js';

export interface SecretValue {
  readonly ARN: string;
  readonly Name: string;
  readonly SecretString: string;
  readonly VersionId: string;
  readonly VersionStages: string[];
  readonly CreatedDate: number;
}

export class SecretsManagerService {
  private readonly values = new Map<SecretModel, SecretValue>();

  public constructor(secrets: readonly SecretModel[], given: Readonly<Record<string, string>> = {}) {
    const createdDate = Math.floor(Date.now() / 1000);
    for (const secret of secrets) {
      const value = given[secret.logicalId] ?? given[secret.name] ?? (secret.path ? given[secret.path] : undefined) ?? secret.secretString ?? generate(secret.generate);
      this.values.set(secret, { ARN: secret.arn, Name: secret.name, SecretString: value, VersionId: `local-${secret.logicalId}`, VersionStages: ['AWSCURRENT'], CreatedDate: createdDate });
    }
  }

  /** The secret a `SecretId` names: its ARN, an ARN without the random suffix, or its name. */
  public find(secretId: string): SecretValue | undefined {
    for (const value of this.values.values()) {
      if (secretId === value.ARN || secretId === value.Name || value.ARN.startsWith(`${secretId}-`)) return value;
    }
    return undefined;
  }
}

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/** A value as Secrets Manager's GetRandomPassword makes it (CloudFormation's GenerateSecretString). */
function generate(spec: SecretModel['generate']): string {
  const options = spec ?? {};
  const classes = [
    options.ExcludeUppercase ? '' : UPPER,
    options.ExcludeLowercase ? '' : LOWER,
    options.ExcludeNumbers ? '' : DIGITS,
    options.ExcludePunctuation ? '' : PUNCTUATION,
    options.IncludeSpace ? ' ' : '',
  ];
  const excluded = new Set(options.ExcludeCharacters ?? '');
  const alphabet = [...classes.join('')].filter((character) => !excluded.has(character));
  const length = options.PasswordLength ?? 32;
  const password = Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
  if (options.SecretStringTemplate && options.GenerateStringKey) {
    return JSON.stringify({ ...(JSON.parse(options.SecretStringTemplate) as Record<string, unknown>), [options.GenerateStringKey]: password });
  }
  return password;
}
