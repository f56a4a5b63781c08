/**
 * The local pages (`/`, `/_topicast`) on the first API's port of `topicast local`, for
 * `npm start`. The functions run in processes of their own, so the dashboard reads what it
 * shows from the table (connections and topics, as for a shared DynamoDB), the request log
 * and the event bus; the in-process delivery metrics of the old local gateway are not there.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { HttpRoute } from '../http-routes.js';
import type { LogEntry } from '../request-log.js';
import type { LocalApiFacts } from '../../local-runtime/runtime.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../dynamodb.js';
import { browserAssets } from './browser-assets.js';
import { emfRecords } from './emf-lines.js';
import { LiveConsole } from './live-console.js';
import { pagesRoute } from './pages-route.js';
import { TableStateReader } from './table-state.js';

export interface RuntimePages {
  readonly onLogEntry: (entry: LogEntry) => void;
  /** The functions' output: their EMF metrics feed the dashboard's counts and rates. */
  readonly onFunctionOutput: (fn: unknown, line: string) => void;
  readonly routes: (api: LocalApiFacts) => readonly HttpRoute[];
}

export function localPages(): RuntimePages {
  let live: LiveConsole | undefined;
  // Entries before the API serves (none in practice) have no console to go to.
  const early: LogEntry[] = [];
  // Bundled now, in the background, so the first page load does not wait for esbuild.
  void browserAssets().catch(() => undefined);
  return {
    onLogEntry: (entry) => (live ? live.onLogEntry(entry) : void early.push(entry)),
    onFunctionOutput(_fn, line) {
      if (!live) return;
      for (const record of emfRecords(line)) live.metrics.record(record.metric, record.value, record.dimensions);
    },
    routes(api) {
      live = new LiveConsole(api.eventBus);
      live.watch(api.pool);
      for (const entry of early.splice(0)) live.onLogEntry(entry);
      const [tableName] = api.tableNames;
      if (tableName) {
        const client = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: api.dynamoEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }));
        // The functions record the Management API endpoint as the template names it, localized to this port.
        live.readFromTable(new TableStateReader(client, tableName, () => `https://127.0.0.1:${api.port}/${api.stage}`));
      }
      return [pagesRoute(live)];
    },
  };
}
