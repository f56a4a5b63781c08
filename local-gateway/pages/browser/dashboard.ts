/**
 * The live dashboard of the local gateway: polls /_topicast/api/state (connections, topics;
 * the whole table when gateways share one) and /_topicast/api/activity (rates, totals, the
 * per-second series, refusals, errors, the route log, lifecycle events) once a second. The
 * charts are plain SVG polylines: no charting library, nothing fetched from a CDN.
 */
interface TopicState {
  readonly topic: string;
  readonly subscribers: number;
  readonly presence: number;
}
interface State {
  readonly connections: number;
  readonly topics: readonly TopicState[];
  readonly scope: 'gateway' | 'table';
  readonly gateways?: readonly { readonly endpoint: string; readonly connections: number; readonly self: boolean }[];
}
interface LogEntry {
  readonly at: number;
  readonly level: 'route' | 'warn' | 'error';
  readonly text: string;
  readonly route?: string;
  readonly subject?: string;
  readonly frame?: string;
  readonly status?: number;
  readonly ms?: number;
}
interface Series {
  readonly from: number;
  readonly deliveries: readonly number[];
  readonly connections: readonly number[];
}
interface BusEvent {
  readonly time: string;
  readonly detailType: string;
  readonly detail: Readonly<Record<string, unknown>>;
}
interface Activity {
  readonly totals: Readonly<Record<string, number>>;
  readonly perSecond: Readonly<Record<string, number>>;
  readonly refusals: readonly { readonly at: number; readonly reason: string }[];
  readonly errors: readonly LogEntry[];
  readonly log: readonly LogEntry[];
  readonly events: readonly BusEvent[];
  readonly series: Series;
}

const REFRESH_MS = 1000;
const byId = (id: string) => document.getElementById(id) as HTMLElement;

function cell(text: string | number, className?: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = String(text);
  if (className) td.className = className;
  return td;
}

function row(...cells: HTMLTableCellElement[]): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.append(...cells);
  return tr;
}

const time = (at: number) => new Date(at).toLocaleTimeString();

function empty(columns: number, text: string): HTMLTableRowElement {
  const td = cell(text, 'empty');
  td.colSpan = columns;
  return row(td);
}

const SVG = 'http://www.w3.org/2000/svg';

/** A filled line over the last minutes, scaled to its own maximum (at least 1). */
function chart(id: string, values: readonly number[], unit: string): void {
  const svg = byId(id);
  const max = Math.max(1, ...values);
  const width = 300;
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map((value, index) => `${(index * step).toFixed(1)},${(100 - (value / max) * 96).toFixed(1)}`);
  const area = document.createElementNS(SVG, 'polygon');
  area.setAttribute('points', `0,100 ${points.join(' ')} ${width},100`);
  area.setAttribute('fill', 'var(--accent)');
  area.setAttribute('fill-opacity', '0.15');
  const line = document.createElementNS(SVG, 'polyline');
  line.setAttribute('points', points.join(' '));
  line.setAttribute('fill', 'none');
  line.setAttribute('stroke', 'var(--accent)');
  line.setAttribute('stroke-width', '2');
  line.setAttribute('vector-effect', 'non-scaling-stroke');
  svg.replaceChildren(area, line);
  svg.dataset.last = String(values.at(-1) ?? 0);
  svg.dataset.max = String(Math.max(0, ...values));
  byId(`${id}-max`).textContent = `max ${Math.max(0, ...values)} ${unit}`;
}

function render(state: State, activity: Activity): void {
  byId('connections').textContent = String(state.connections);
  const gateways = state.gateways ?? [];
  byId('connections-scope').textContent = state.scope === 'table' ? `in the shared table, ${gateways.find((g) => g.self)?.connections ?? 0} on this gateway` : 'on this gateway';
  byId('gateways-section').hidden = state.scope !== 'table';
  byId('gateways').replaceChildren(...gateways.map((g) => row(cell(`${g.endpoint}${g.self ? ' (this gateway)' : ''}`, 'text'), cell(g.connections, 'num'))));
  chart('chart-deliveries', activity.series.deliveries, '/ s');
  chart('chart-connections', activity.series.connections, '');
  byId('topic-count').textContent = String(state.topics.length);
  byId('messages-per-second').textContent = String(activity.perSecond.Deliveries ?? 0);
  byId('pushes-per-second').textContent = String(activity.perSecond.Pushes ?? 0);
  byId('topics').replaceChildren(
    ...(state.topics.length > 0
      ? state.topics.map((t) => row(cell(t.topic, 'topic'), cell(t.subscribers, 'num'), cell(t.presence, 'num')))
      : [empty(3, 'no topic joined yet')]),
  );
  byId('totals').replaceChildren(...Object.entries(activity.totals).map(([name, value]) => row(cell(name), cell(value, 'num'))));
  byId('refusals').replaceChildren(
    ...(activity.refusals.length > 0 ? activity.refusals.map((r) => row(cell(time(r.at)), cell(r.reason, 'reason'))) : [empty(2, 'none')]),
  );
  byId('errors').replaceChildren(
    ...(activity.errors.length > 0 ? activity.errors.map((e) => row(cell(time(e.at)), cell(e.level), cell(e.text, 'text'))) : [empty(3, 'none')]),
  );
  byId('events').replaceChildren(
    ...(activity.events.length > 0
      ? activity.events.map((e) => row(cell(time(Date.parse(e.time))), cell(e.detailType, 'event'), cell(JSON.stringify(e.detail), 'text')))
      : [empty(3, 'none')]),
  );
  byId('log').replaceChildren(
    ...activity.log.map((e) =>
      row(cell(time(e.at)), cell(e.route ?? ''), cell(e.frame ?? '', 'frame'), cell(e.subject ?? '', 'conn'), cell(e.status ?? '', `num${(e.status ?? 200) >= 400 ? ' status-error' : ''}`), cell(e.ms ?? '', 'num')),
    ),
  );
  byId('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
}

async function refresh(): Promise<void> {
  try {
    const [state, activity] = await Promise.all([
      fetch('/_topicast/api/state').then((r) => r.json() as Promise<State>),
      fetch('/_topicast/api/activity').then((r) => r.json() as Promise<Activity>),
    ]);
    render(state, activity);
  } catch {
    byId('updated').textContent = 'gateway not reachable';
  } finally {
    setTimeout(() => void refresh(), REFRESH_MS);
  }
}

void refresh();
