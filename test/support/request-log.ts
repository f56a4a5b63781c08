/** Records the name of every command a DynamoDB client sends (`QueryCommand`, ...). */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface RequestLog {
  /** Command names in the order they were sent since the last `clear()`. */
  readonly names: string[];
  /** The same commands with their input. */
  readonly requests: { readonly name: string; readonly input: Record<string, unknown> }[];
  clear(): void;
  count(name: string): number;
}

export function recordRequests(client: DynamoDBDocumentClient): RequestLog {
  const names: string[] = [];
  const requests: { name: string; input: Record<string, unknown> }[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String((context as { commandName?: string }).commandName);
      names.push(name);
      requests.push({ name, input: args.input as Record<string, unknown> });
      return next(args);
    },
    // initialize: the lowest step every command passes once, before retries.
    { step: 'initialize', name: 'recordRequests' },
  );
  return {
    names,
    requests,
    clear: () => {
      names.splice(0);
      requests.splice(0);
    },
    count: (name) => names.filter((sent) => sent === name).length,
  };
}
