/**
 * Connection rows (`c#<id>` / `s#<topic>`, which carry a join's channel state) that
 * DynamoDB's TTL deleted: the connection vanished without a `$disconnect` (it outlived its
 * expiry). No function removed them, so the presence reader that receives their stream
 * records runs their modules' `leave` with reason `'gone'`. One reader only (the one of the
 * default window), so each row's `leave` runs once. The construct's event source mapping
 * and the local stream emulator both apply this filter.
 */
export const EXPIRED_CONNECTION_ROW_FILTER = { pkPrefix: 'c#', skPrefix: 's#', eventName: 'REMOVE' } as const;

/** Whether a stream record passes {@link EXPIRED_CONNECTION_ROW_FILTER}; `expired`: made by TTL (DynamoDB's own identity). */
export function passesExpiredConnectionRowFilter(pk: string, sk: string, eventName: string, expired: boolean): boolean {
  const filter = EXPIRED_CONNECTION_ROW_FILTER;
  return expired && eventName === filter.eventName && pk.startsWith(filter.pkPrefix) && sk.startsWith(filter.skPrefix);
}
