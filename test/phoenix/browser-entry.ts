// Bundled by esbuild for the browser test: the phoenix client and topicast's transport.
import { Presence, Socket } from 'phoenix';
import { apiGatewayTransport } from '../../client/phoenix-transport.js';

(globalThis as Record<string, unknown>).topicast = { Socket, Presence, apiGatewayTransport };
