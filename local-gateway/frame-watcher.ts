/**
 * API Gateway limits each client frame, not only each message: a frame over 32 KB closes
 * the connection with 1009 (a message of up to 128 KB must be fragmented into frames of
 * 32 KB or less), and a binary frame closes it with 1003. `ws` only limits whole messages
 * (its maxPayload carries the 128 KB limit), so this reads the header of every frame the
 * client sends, from the raw bytes, ahead of `ws`.
 */
import { API_GATEWAY_LIMITS } from '../lambdas/core/api-gateway-limits.js';

export interface FrameViolation {
  readonly code: 1003 | 1009;
  readonly reason: string;
}

const OPCODE_BINARY = 0x2;
const FIRST_CONTROL_OPCODE = 0x8;

export class FrameWatcher {
  private header = Buffer.alloc(0);
  private payloadLeft = 0;
  private violated = false;

  public constructor(private readonly maxFrameBytes: number = API_GATEWAY_LIMITS.frameBytes) {}

  /** Reads the next bytes from the client; returns the first violation, once. */
  public feed(chunk: Buffer): FrameViolation | undefined {
    let offset = 0;
    while (!this.violated && offset < chunk.length) {
      if (this.payloadLeft > 0) {
        const skipped = Math.min(this.payloadLeft, chunk.length - offset);
        this.payloadLeft -= skipped;
        offset += skipped;
        continue;
      }
      const needed = this.headerLength();
      const take = Math.min(chunk.length - offset, Math.max(needed - this.header.length, 1));
      this.header = Buffer.concat([this.header, chunk.subarray(offset, offset + take)]);
      offset += take;
      if (this.header.length < this.headerLength()) continue;
      const violation = this.completeHeader();
      if (violation) {
        this.violated = true;
        return violation;
      }
    }
    return undefined;
  }

  /** Bytes of the current header, as far as the bytes read so far tell. */
  private headerLength(): number {
    if (this.header.length < 2) return 2;
    const second = this.header[1] as number;
    const lengthCode = second & 0x7f;
    const extended = lengthCode === 126 ? 2 : lengthCode === 127 ? 8 : 0;
    const mask = second & 0x80 ? 4 : 0;
    return 2 + extended + mask;
  }

  private completeHeader(): FrameViolation | undefined {
    const opcode = (this.header[0] as number) & 0x0f;
    const lengthCode = (this.header[1] as number) & 0x7f;
    let length = lengthCode;
    if (lengthCode === 126) length = this.header.readUInt16BE(2);
    else if (lengthCode === 127) length = Number(this.header.readBigUInt64BE(2));
    this.header = Buffer.alloc(0);
    this.payloadLeft = length;
    if (opcode === OPCODE_BINARY) return { code: 1003, reason: 'Binary frames are not supported' };
    if (opcode < FIRST_CONTROL_OPCODE && length > this.maxFrameBytes) {
      return { code: 1009, reason: `Frame of ${length} bytes exceeds the ${this.maxFrameBytes}-byte limit` };
    }
    return undefined;
  }
}
