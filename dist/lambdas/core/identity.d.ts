/** Who is on a connection: a verified token's subject and claims, or nobody. */
export interface Identity {
    readonly sub: string;
    readonly claims: Readonly<Record<string, unknown>>;
}
/** Presence key: the user when authenticated (several tabs share it), else the connection. */
export declare function presenceKeyOf(identity: Identity | null, connectionId: string): string;
