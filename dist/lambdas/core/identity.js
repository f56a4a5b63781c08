/** Presence key: the user when authenticated (several tabs share it), else the connection. */
export function presenceKeyOf(identity, connectionId) {
    return identity?.sub ?? connectionId;
}
