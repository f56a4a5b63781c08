/**
 * The live dashboard of the local gateway: polls /_topicast/api/state (connections, topics)
 * and /_topicast/api/activity (rates, totals, refusals, errors, the route log, lifecycle
 * events) once a second.
 */
interface TopicState {
  readonly topic: string;
  readonly subscribers: number;
  readonly presence: number;
}
interface State {
  readonly connections: number;
  readonly topics: readonly TopicState[];
}
interface LogEntry {
  readonly at: number;
  readonly level: 'route' | 'warn' | 'error';
  readonly text: string;
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

function render(state: State, activity: Activity): void {
  byId('connections').textContent = String(state.connections);
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
  byId('log').replaceChildren(...activity.log.map((e) => row(cell(time(e.at)), cell(e.text, `text ${e.level}`))));
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
