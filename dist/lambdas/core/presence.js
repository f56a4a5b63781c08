export function buildMeta(userMeta, phxRef) {
    // Spread defines own properties, so a "__proto__" key in user input cannot reach a prototype.
    return { ...userMeta, phx_ref: phxRef };
}
export function stateOf(entries) {
    const state = Object.create(null);
    for (const { key, meta } of entries) {
        const existing = state[key];
        if (existing)
            existing.metas.push(meta);
        else
            state[key] = { metas: [meta] };
    }
    return state;
}
export function diffOf(joins, leaves) {
    return { joins: stateOf(joins), leaves: stateOf(leaves) };
}
export function isEmptyDiff(diff) {
    return Object.keys(diff.joins).length === 0 && Object.keys(diff.leaves).length === 0;
}
/** Applies a diff to a state, as Phoenix's `Presence.syncDiff`, returning a new state. */
export function applyDiff(state, diff) {
    const next = Object.create(null);
    for (const [key, { metas }] of Object.entries(state))
        next[key] = { metas: [...metas] };
    for (const [key, { metas }] of Object.entries(diff.joins)) {
        const current = next[key]?.metas ?? [];
        const joinedRefs = new Set(metas.map((meta) => meta.phx_ref));
        next[key] = { metas: [...current.filter((meta) => !joinedRefs.has(meta.phx_ref)), ...metas] };
    }
    for (const [key, { metas }] of Object.entries(diff.leaves)) {
        const current = next[key];
        if (!current)
            continue;
        const leftRefs = new Set(metas.map((meta) => meta.phx_ref));
        const remaining = current.metas.filter((meta) => !leftRefs.has(meta.phx_ref));
        if (remaining.length === 0)
            delete next[key];
        else
            next[key] = { metas: remaining };
    }
    return next;
}
/** Replaces a state with a fresh one, as Phoenix's `Presence.syncState`: the diff that gets there. */
export function diffBetween(current, incoming) {
    const joins = [];
    const leaves = [];
    for (const [key, { metas }] of Object.entries(incoming)) {
        const knownRefs = new Set((current[key]?.metas ?? []).map((meta) => meta.phx_ref));
        for (const meta of metas)
            if (!knownRefs.has(meta.phx_ref))
                joins.push({ key, meta });
    }
    for (const [key, { metas }] of Object.entries(current)) {
        const incomingRefs = new Set((incoming[key]?.metas ?? []).map((meta) => meta.phx_ref));
        for (const meta of metas)
            if (!incomingRefs.has(meta.phx_ref))
                leaves.push({ key, meta });
    }
    return diffOf(joins, leaves);
}
