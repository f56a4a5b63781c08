// Black-box (issue 18, item 8), against `PORT=3301 npm start` with a config giving room:*
// history of 1000 messages: a join with {"since":0} on a topic holding 1000 retained
// messages. Prints each join's reply and time; follows `more`/`resumeSince` with further
// joins (as SeqTracker does) until the replay is complete, and checks every seq came once, in order.
// Started as the audit's script, which only timed one sequential replay.
import WebSocket from 'ws';
const port = process.env.PORT ?? '3301';
const topic = `room:replay-${Date.now()}`;
const body = (i) => JSON.stringify({ messages: Array.from({ length: 25 }, (_, k) => ({ topic, event: 'm', payload: { i: i * 25 + k, pad: 'x'.repeat(200) } })) });
const published = [];
for (let i = 0; i < 40; i++) {
  const r = await fetch(`http://127.0.0.1:${port}/publish`, { method: 'POST', body: body(i), headers: { 'content-type': 'application/json' } });
  if (!r.ok) throw new Error(await r.text());
  published.push(...(await r.json()).results.map((x) => x.seq));
}
const ws = new WebSocket(`ws://127.0.0.1:${port}`);
await new Promise((r) => ws.on('open', r));
const seqs = [];
let waiting = null;
ws.on('message', (d) => {
  const m = JSON.parse(String(d));
  if (m.event === 'm') seqs.push(m.seq);
  if (m.event === 'phx_reply') waiting?.(m);
});
let since = 0;
for (let join = 1; join <= 50; join++) {
  const before = seqs.length;
  const t0 = performance.now();
  const reply = await new Promise((res) => {
    waiting = res;
    ws.send(JSON.stringify({ action: 'join', topic, payload: { since }, ref: String(join) }));
  });
  const ms = performance.now() - t0;
  const got = seqs.length - before;
  console.log(`join ${join}: ${JSON.stringify(reply.payload.response)} replayed=${got} in ${ms.toFixed(0)} ms (${(ms / Math.max(got, 1)).toFixed(2)} ms per post)`);
  if (reply.payload.response.more !== true) break;
  since = reply.payload.response.resumeSince;
}
const ok = JSON.stringify(seqs) === JSON.stringify(published);
console.log(ok ? `all ${published.length} seqs once, in order` : `MISMATCH: got ${seqs.length}, expected ${published.length}`);
ws.close();
process.exit(ok ? 0 : 1);
