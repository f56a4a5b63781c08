import { LeanHttpTransport, TransportError } from './post-transport.js';
import { leanSigner } from './sigv4.js';
const EXECUTE_API_HOST = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;
/** The signing region named by an `{api}.execute-api.{region}.amazonaws.com` host, if any. */
export function regionOfHost(hostname) {
    return EXECUTE_API_HOST.exec(hostname)?.[1];
}
export class SignedHttpMessageSender {
    options;
    transport;
    targets = new Map();
    signers = new Map();
    baseBackoffMs;
    maxBackoffMs;
    random;
    sleep;
    constructor(options) {
        this.options = options;
        this.transport = options.transport ?? new LeanHttpTransport({ maxSockets: options.maxSockets ?? 64 });
        this.baseBackoffMs = options.baseBackoffMs ?? 100;
        this.maxBackoffMs = options.maxBackoffMs ?? 2000;
        this.random = options.random ?? Math.random;
        this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    }
    async send({ endpoint, connectionId, data }) {
        let target;
        try {
            target = this.target(endpoint);
        }
        catch {
            return 'failed';
        }
        const path = `${target.basePath}/@connections/${encodeURIComponent(connectionId)}`;
        for (let attempt = 1;; attempt += 1) {
            const result = await this.attempt(target, path, data);
            if (result !== 'retry')
                return result;
            if (attempt >= this.options.maxAttempts)
                return 'failed';
            await this.sleep(this.random() * Math.min(this.maxBackoffMs, this.baseBackoffMs * 2 ** (attempt - 1)));
        }
    }
    /** Closes the transport's sockets. */
    destroy() {
        this.transport.destroy();
    }
    async attempt(target, path, body) {
        try {
            const headers = await target.signer.sign(target.host, path, body);
            // Hung Management API calls are a known problem: every attempt has a deadline.
            const status = await this.transport.post(target, path, headers, body, AbortSignal.timeout(this.options.timeoutMs));
            if (status >= 200 && status < 300)
                return 'delivered';
            if (status === 410)
                return 'gone';
            if (status === 429)
                return 'retry';
            return 'failed';
        }
        catch (error) {
            return error instanceof TransportError && error.kind === 'stale' ? 'retry' : 'failed';
        }
    }
    target(endpoint) {
        let target = this.targets.get(endpoint);
        if (!target) {
            const url = new URL(endpoint);
            const secure = url.protocol === 'https:';
            target = {
                secure,
                // IPv6 literals come bracketed in URLs, bare in socket calls.
                hostname: url.hostname.replace(/^\[|\]$/g, ''),
                port: url.port ? Number(url.port) : secure ? 443 : 80,
                host: url.host,
                basePath: url.pathname.replace(/\/+$/, ''),
                signer: this.signer(regionOfHost(url.hostname) ?? this.options.region),
            };
            this.targets.set(endpoint, target);
        }
        return target;
    }
    signer(region) {
        let signer = this.signers.get(region);
        if (!signer) {
            signer = (this.options.signer ?? leanSigner)('execute-api', region, this.options.credentials);
            this.signers.set(region, signer);
        }
        return signer;
    }
}
