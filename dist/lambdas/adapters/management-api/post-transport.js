/**
 * How a signed Management API post travels: the lean HTTP/1.1 pool. The conventional
 * node:http transport it is measured against lives in bench/reference.
 */
import { Http1Pool } from './http1-pool.js';
export { TransportError } from './http1-pool.js';
/** The default: one request per socket at a time over a lean keep-alive pool. */
export class LeanHttpTransport {
    pool;
    constructor(options = {}) {
        this.pool = new Http1Pool(options);
    }
    async post(target, path, headers, body, signal) {
        let head = `POST ${path} HTTP/1.1\r\n`;
        for (const name in headers)
            head += `${name}: ${headers[name]}\r\n`;
        head += `content-length: ${Buffer.byteLength(body)}\r\n\r\n`;
        const { status } = await this.pool.exchange(target, head, body, signal);
        return status;
    }
    destroy() {
        this.pool.destroy();
    }
}
