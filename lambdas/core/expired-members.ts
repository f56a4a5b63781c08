/**
 * Members whose items are past their TTL: connections that vanished without a `$disconnect`
 * (API Gateway closes every socket within 2 h, before the TTL). DynamoDB deletes expired
 * items only eventually (AWS: often days later; locally the gateway sweeps), so whoever reads them
 * leaves them out and reaps them: their leave then follows within one window of the topic's
 * next join or presence change, not whenever TTL gets to them.
 */
export function splitExpired<T extends { readonly connectionId: string; readonly expiresAt: number }>(members: readonly T[], nowMs: number): { live: T[]; expired: string[] } {
  const nowSeconds = Math.floor(nowMs / 1000);
  const live: T[] = [];
  const expired: string[] = [];
  for (const member of members) {
    if (member.expiresAt > 0 && member.expiresAt < nowSeconds) expired.push(member.connectionId);
    else live.push(member);
  }
  return { live, expired };
}
