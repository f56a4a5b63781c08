/** The HTML shells of the local pages; their behaviour is in browser/*.ts. */

const STYLE = `
  :root { color-scheme: light dark; --accent: #6b46c1; --muted: #8a8a99; --line: #8a8a9933; }
  * { box-sizing: border-box; }
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0; }
  header { background: var(--accent); color: white; padding: 12px 24px; display: flex; gap: 24px; align-items: baseline; }
  header h1 { font-size: 18px; margin: 0; }
  header a { color: white; opacity: .85; }
  main { padding: 20px 24px; max-width: 1100px; }
  .muted, .empty { color: var(--muted); }
  input, button { font: inherit; padding: 6px 10px; border-radius: 6px; border: 1px solid var(--line); }
  button { background: var(--accent); color: white; border: 0; cursor: pointer; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  td.text { font-family: ui-monospace, monospace; font-size: 13px; word-break: break-all; }
  td.warn, td.error { color: #c53030; }
  section { margin-bottom: 24px; }
  h2 { font-size: 15px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
`;

export function page(title: string, body: string, script: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><style>${STYLE}${PAGE_STYLES[script] ?? ''}</style></head>
<body>
<header><h1>topicast</h1><a href="/">demo</a><a href="/_topicast">dashboard</a><span class="muted" id="updated"></span></header>
<main>${body}</main>
<script src="/_topicast/${script}"></script>
</body></html>`;
}

const PAGE_STYLES: Record<string, string> = {
  'demo.js': `
    .room { display: grid; grid-template-columns: 1fr 220px; gap: 24px; }
    #messages { list-style: none; padding: 0; margin: 0 0 12px; min-height: 260px; max-height: 60vh; overflow-y: auto; border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; }
    #messages li.notice { color: var(--muted); font-style: italic; }
    #presence { padding-left: 20px; }
    #send { display: flex; gap: 8px; } #send input { flex: 1; }
    #join { display: flex; gap: 8px; align-items: end; margin-bottom: 16px; }
    label { display: flex; flex-direction: column; font-size: 13px; color: var(--muted); }
  `,
  'dashboard.js': `
    .cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; margin-bottom: 24px; }
    .card { border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
    .card b { display: block; font-size: 28px; font-variant-numeric: tabular-nums; }
    .grid { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; }
    #log-section, #events-section { max-height: 420px; overflow-y: auto; }
  `,
};

export const DEMO_PAGE = page(
  'topicast demo: chat',
  `<p class="muted">A chat room on the local gateway, with the official <code>phoenix</code> client through <code>topicast/client</code>. Open this page in two tabs.</p>
<form id="join"><label>name<input id="name" autocomplete="off"></label><label>room<input id="room" autocomplete="off"></label><button>Join</button></form>
<p id="status" class="muted">not connected</p>
<div class="room" id="chat" hidden>
  <div><ol id="messages"></ol><form id="send"><input id="message" placeholder="say something" autocomplete="off"><button>Send</button></form></div>
  <aside><h2>Online</h2><ul id="presence"></ul></aside>
</div>`,
  'demo.js',
);

export const DASHBOARD_PAGE = page(
  'topicast dashboard',
  `<div class="cards">
  <div class="card"><b id="connections">0</b>open connections</div>
  <div class="card"><b id="topic-count">0</b>topics</div>
  <div class="card"><b id="messages-per-second">0</b>messages delivered / s</div>
  <div class="card"><b id="pushes-per-second">0</b>pushes / s</div>
</div>
<div class="grid">
  <section><h2>Topics</h2><table><thead><tr><th>topic</th><th class="num">subscribers</th><th class="num">presence</th></tr></thead><tbody id="topics"></tbody></table></section>
  <section><h2>Since start</h2><table><tbody id="totals"></tbody></table></section>
  <section><h2>Recent refusals</h2><table><thead><tr><th>time</th><th>reason</th></tr></thead><tbody id="refusals"></tbody></table></section>
  <section><h2>Recent errors</h2><table><thead><tr><th>time</th><th>level</th><th>message</th></tr></thead><tbody id="errors"></tbody></table></section>
</div>
<section id="events-section"><h2>Lifecycle events</h2><p class="muted" id="events-hint">connected, disconnected, joined, left, occupied and vacated, as an EventBridge bus receives them: start with <code>--lifecycle-events</code> (config <code>lifecycleEvents</code>).</p><table><thead><tr><th>time</th><th>detail-type</th><th>detail</th></tr></thead><tbody id="events"></tbody></table></section>
<section id="log-section"><h2>Route invocations</h2><table><tbody id="log"></tbody></table></section>`,
  'dashboard.js',
);
