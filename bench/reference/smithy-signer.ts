/**
 * The SDK's own SigV4 signer behind the RequestSigner interface: the reference the lean
 * signer is tested against, and the alternative measured beside it in `npm run bench`.
 * Benchmark and test reference only: no Lambda imports it.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { CredentialProvider } from '../../lambdas/adapters/management-api/credentials.js';
import type { RequestSigner, SignerFactory } from '../../lambdas/adapters/management-api/sigv4.js';

export const smithySigner: SignerFactory = (service, region, credentials) => new SmithySigV4(service, region, credentials);

export class SmithySigV4 implements RequestSigner {
  private readonly signer: SignatureV4;

  public constructor(service: string, region: string, credentials: CredentialProvider, private readonly now?: () => Date) {
    this.signer = new SignatureV4({ service, region, credentials, sha256: NodeSha256, applyChecksum: false });
  }

  public async sign(host: string, path: string, body: string, extra: Readonly<Record<string, string>> = {}): Promise<Record<string, string>> {
    const [hostname, port] = host.split(':');
    const { headers } = await this.signer.sign(
      { method: 'POST', protocol: 'https:', hostname: hostname as string, port: port ? Number(port) : undefined, path, query: {}, headers: { ...extra, host }, body },
      this.now ? { signingDate: this.now() } : {},
    );
    return headers;
  }
}

/** SHA-256 and HMAC-SHA-256 from node:crypto, in the shape the signer expects. */
export class NodeSha256 {
  private hash: Hash | Hmac;

  public constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.create();
  }

  public update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBinary(data));
  }

  public digest(): Promise<Uint8Array> {
    return Promise.resolve(this.hash.digest());
  }

  public reset(): void {
    this.hash = this.create();
  }

  private create(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBinary(this.secret));
  }
}

function toBinary(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}
