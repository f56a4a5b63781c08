/** The HTML shells of the local pages; their behaviour is in browser/*.ts. */

const STYLE = `
  :root { color-scheme: light dark; --accent: #6b46c1; --muted: #8a8a99; --line: #8a8a9933; --bubble: #8a8a991a; }
  * { box-sizing: border-box; }
  [hidden] { display: none !important; }
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0; }
  header { background: var(--accent); color: white; padding: 10px 16px; display: flex; flex-wrap: wrap; gap: 4px 20px; align-items: baseline; }
  header h1 { font-size: 18px; margin: 0; }
  header a { color: white; opacity: .85; }
  header #updated { color: #ffffffb0; font-size: 13px; }
  main { padding: 16px; max-width: 1100px; margin: 0 auto; }
  .muted, .empty { color: var(--muted); }
  input, button { font: inherit; padding: 8px 12px; border-radius: 8px; border: 1px solid var(--line); min-width: 0; }
  button { background: var(--accent); color: white; border: 0; cursor: pointer; }
  button.secondary { background: transparent; color: inherit; border: 1px solid var(--line); }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  td.text, td.frame, td.conn { font-family: ui-monospace, monospace; font-size: 13px; word-break: break-all; }
  td.warn, td.error, td.status-error { color: #c53030; }
  section { margin-bottom: 24px; min-width: 0; }
  h2 { font-size: 14px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin: 0 0 8px; }
`;

export function page(title: string, body: string, script: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><link rel="icon" href="/_topicast/icon.svg" type="image/svg+xml"><style>${STYLE}${PAGE_STYLES[script] ?? ''}</style></head>
<body>
<header><h1>topicast</h1><a href="/">demo</a><a href="/_topicast">dashboard</a><span id="updated"></span></header>
<main>${body}</main>
<script src="/_topicast/${script}"></script>
</body></html>`;
}

/** The pages' icon (a speech bubble), also answered for /favicon.ico so no browser logs an error. */
export const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#6b46c1"/><path d="M8 9h16a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2h-9l-5 4v-4H8a2 2 0 0 1-2-2v-8a2 2 0 0 1 2-2z" fill="#fff"/></svg>`;

const PAGE_STYLES: Record<string, string> = {
  'demo.js': `
    #join { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin-bottom: 12px; }
    #join label { display: flex; flex-direction: column; font-size: 13px; color: var(--muted); flex: 1 1 140px; }
    #status { margin: 8px 0; }
    #status.error { color: #c53030; }
    .room { display: grid; grid-template-columns: minmax(0, 1fr) 220px; gap: 16px; }
    .room-bar { display: flex; gap: 8px; align-items: center; margin-bottom: 8px; }
    .room-bar h2 { margin: 0; flex: 1; font-size: 16px; text-transform: none; letter-spacing: 0; color: inherit; }
    #messages { list-style: none; margin: 0 0 8px; height: min(60vh, 480px); overflow-y: auto; border: 1px solid var(--line); border-radius: 10px; padding: 8px; display: flex; flex-direction: column; gap: 6px; }
    #messages li { align-self: flex-start; max-width: 85%; padding: 6px 10px; border-radius: 12px; background: var(--bubble); overflow-wrap: anywhere; }
    #messages li.mine { align-self: flex-end; background: var(--accent); color: white; }
    #messages li .from { display: block; font-size: 12px; opacity: .75; }
    #messages li.notice { align-self: center; background: none; color: var(--muted); font-size: 13px; font-style: italic; padding: 0; }
    #send { display: flex; gap: 8px; } #send input { flex: 1; }
    #presence { list-style: none; padding: 0; margin: 0; }
    #presence li { padding: 2px 0; }
    #presence li .tabs { color: var(--muted); font-size: 13px; }
    @media (max-width: 640px) {
      main { padding: 12px; }
      .room { grid-template-columns: 1fr; gap: 8px; }
      #online { order: -1; }
      #online h2 { display: inline; margin-right: 6px; }
      #presence { display: inline; }
      #presence li { display: inline; }
      #presence li + li::before { content: ", "; }
      #messages { height: calc(100vh - 260px); min-height: 240px; }
    }
  `,
  'dashboard.js': `
    .cards { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 12px; margin-bottom: 20px; }
    .card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
    .card b { display: block; font-size: 26px; font-variant-numeric: tabular-nums; }
    .card small { display: block; color: var(--muted); font-size: 12px; }
    .charts { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; margin-bottom: 20px; }
    .chart { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
    .chart svg { width: 100%; height: 120px; display: block; }
    .chart .axis { display: flex; justify-content: space-between; color: var(--muted); font-size: 12px; }
    .grid { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 24px; }
    #log-section, #events-section { max-height: 420px; overflow-y: auto; }
    @media (max-width: 640px) {
      main { padding: 12px; }
      .cards { grid-template-columns: 1fr 1fr; }
      .charts, .grid { grid-template-columns: 1fr; }
      #log td.conn, #log th.conn { display: none; }
    }
  `,
};

export const DEMO_PAGE = page(
  'topicast demo: chat',
  `<p class="muted">A chat on the local gateway, with the official <code>phoenix</code> client through <code>topicast/client</code>. Open it in two tabs, or on your phone.</p>
<form id="join"><label>your name<input id="name" autocomplete="nickname" maxlength="40" required></label><label>room<input id="room" autocomplete="off" maxlength="60" required></label><button>Join</button></form>
<p id="status" class="muted" role="status">not connected</p>
<div class="room" id="chat" hidden>
  <div>
    <div class="room-bar"><h2 id="room-title"></h2><button type="button" class="secondary" id="leave">Leave</button></div>
    <ol id="messages" aria-live="polite"></ol>
    <form id="send"><input id="message" placeholder="say something" autocomplete="off" maxlength="2000"><button>Send</button></form>
  </div>
  <aside id="online"><h2>Online</h2><ul id="presence"></ul></aside>
</div>`,
  'demo.js',
);

export const DASHBOARD_PAGE = page(
  'topicast dashboard',
  `<div class="cards">
  <div class="card"><b id="connections">0</b>open connections<small id="connections-scope"></small></div>
  <div class="card"><b id="topic-count">0</b>topics</div>
  <div class="card"><b id="messages-per-second">0</b>deliveries / s<small>last 10 s</small></div>
  <div class="card"><b id="pushes-per-second">0</b>pushes / s<small>last 10 s</small></div>
</div>
<div class="charts">
  <div class="chart"><h2>Deliveries / s</h2><svg id="chart-deliveries" viewBox="0 0 300 100" preserveAspectRatio="none" role="img" aria-label="deliveries per second, last 5 minutes"></svg><div class="axis"><span>5 min ago</span><span id="chart-deliveries-max"></span><span>now</span></div></div>
  <div class="chart"><h2>Open connections <span class="muted" id="chart-connections-scope">(this gateway)</span></h2><svg id="chart-connections" viewBox="0 0 300 100" preserveAspectRatio="none" role="img" aria-label="open connections, last 5 minutes"></svg><div class="axis"><span>5 min ago</span><span id="chart-connections-max"></span><span>now</span></div></div>
</div>
<section id="gateways-section" hidden><h2>Gateways sharing the table</h2><table><thead><tr><th>management endpoint</th><th class="num">connections</th></tr></thead><tbody id="gateways"></tbody></table></section>
<div class="grid">
  <section><h2>Topics</h2><table><thead><tr><th>topic</th><th class="num">subscribers</th><th class="num">presence</th></tr></thead><tbody id="topics"></tbody></table></section>
  <section><h2>Since start</h2><table><tbody id="totals"></tbody></table></section>
  <section><h2>Recent refusals</h2><table><thead><tr><th>time</th><th>reason</th></tr></thead><tbody id="refusals"></tbody></table></section>
  <section><h2>Recent errors</h2><table><thead><tr><th>time</th><th>level</th><th>message</th></tr></thead><tbody id="errors"></tbody></table></section>
</div>
<section id="events-section"><h2>Lifecycle events</h2><p class="muted" id="events-hint">connected, disconnected, joined, left, occupied and vacated, as an EventBridge bus receives them: start with <code>--lifecycle-events</code> (config <code>lifecycleEvents</code>).</p><table><thead><tr><th>time</th><th>detail-type</th><th>detail</th></tr></thead><tbody id="events"></tbody></table></section>
<section id="log-section"><h2>Route invocations</h2><p class="muted">API Gateway routes the phoenix client's frames to <code>$default</code>: the frame column says what each was.</p><table><thead><tr><th>time</th><th>route</th><th>frame</th><th class="conn">connection</th><th class="num">status</th><th class="num">ms</th></tr></thead><tbody id="log"></tbody></table></section>`,
  'dashboard.js',
);
