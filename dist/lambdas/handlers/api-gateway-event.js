/** API Gateway passes header names as the client sent them; HTTP says they are case-insensitive. */
export function lowerCaseHeaders(headers) {
    const lowered = {};
    for (const [name, value] of Object.entries(headers ?? {}))
        lowered[name.toLowerCase()] = value;
    return lowered;
}
/** Text of a message event; binary frames arrive base64-encoded. */
export function bodyText(event) {
    if (typeof event.body !== 'string')
        return null;
    return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}
