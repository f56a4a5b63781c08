import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
// BatchWriteItem takes at most 25 requests and may hand some back as UnprocessedItems
// under throttling; those are retried with backoff rather than dropped.
const BATCH_LIMIT = 25;
const MAX_ROUNDS = 6;
export async function batchDelete(client, tableName, keys) {
    const batches = [];
    for (let i = 0; i < keys.length; i += BATCH_LIMIT)
        batches.push(keys.slice(i, i + BATCH_LIMIT));
    await Promise.all(batches.map((batch) => deleteBatch(client, tableName, batch)));
}
async function deleteBatch(client, tableName, batch) {
    let requests = batch.map((Key) => ({ DeleteRequest: { Key } }));
    for (let round = 0; requests.length > 0; round += 1) {
        if (round >= MAX_ROUNDS)
            throw new Error(`BatchWriteItem left ${requests.length} deletes unprocessed after ${MAX_ROUNDS} rounds`);
        if (round > 0)
            await sleep(Math.random() * 50 * 2 ** round);
        const { UnprocessedItems } = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
        requests = (UnprocessedItems?.[tableName] ?? []);
    }
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
