export const authorizeJoin = undefined;
