/** Records the name of every command a DynamoDB client sends (`QueryCommand`, ...). */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface RequestLog {
  /** Command names in the order they were sent since the last `clear()`. */
  readonly names: string[];
  clear(): void;
  count(name: string): number;
}

export function recordRequests(client: DynamoDBDocumentClient): RequestLog {
  const names: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      names.push(String((context as { commandName?: string }).commandName));
      return next(args);
    },
    // initialize: the lowest step every command passes once, before retries.
    { step: 'initialize', name: 'recordRequests' },
  );
  return {
    names,
    clear: () => names.splice(0),
    count: (name) => names.filter((sent) => sent === name).length,
  };
}
