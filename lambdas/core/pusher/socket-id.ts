/**
 * Pusher's `socket_id` for a topicast connection, and back. Pusher clients and server SDKs
 * insist on the shape `\d+\.\d+` (the `pusher` SDK refuses anything else before signing),
 * while API Gateway connection ids are base64-like text ("L0SM9cOFvHcCIhw="). The id is
 * encoded reversibly, with no table lookup: `<byte length>.<the UTF-8 bytes as one decimal
 * number>`, so the HTTP API can turn a `socket_id` it is given (to exclude a sender, to
 * check a signature) into the connection id with no read. A socket_id is public in Pusher
 * too: it names a connection, it does not grant anything (posting needs IAM).
 */

const SOCKET_ID = /^(\d{1,3})\.(\d{1,320})$/;
/** API Gateway ids are 16 characters; the local gateway's are longer. Bounded so decoding stays cheap. */
const MAX_ID_BYTES = 128;

export function socketIdOf(connectionId: string): string {
  const bytes = new TextEncoder().encode(connectionId);
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  const value = hex.length === 0 ? 0n : BigInt(`0x${hex}`);
  return `${bytes.length}.${value.toString(10)}`;
}

/** The connection id a socket_id names, or null when it is not one of ours. */
export function connectionIdOfSocketId(socketId: string): string | null {
  const match = SOCKET_ID.exec(socketId);
  if (!match) return null;
  const length = Number(match[1]);
  if (length < 1 || length > MAX_ID_BYTES) return null;
  const hex = BigInt(match[2] as string).toString(16);
  if (hex.length > length * 2) return null;
  const padded = hex.padStart(length * 2, '0');
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i += 1) bytes[i] = Number.parseInt(padded.slice(i * 2, i * 2 + 2), 16);
  try {
    const id = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    // Only the canonical spelling maps back: "07.…" or a non-minimal number is not ours.
    return socketIdOf(id) === socketId ? id : null;
  } catch {
    return null;
  }
}
