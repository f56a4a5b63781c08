/**
 * EventBridge rules of the template (`AWS::Events::Rule` with an EventPattern): every event
 * PutEvents accepts on a bus is matched against that bus's enabled rules (the same pattern
 * matcher as event source mapping filters), and each matching rule's targets get it after
 * PutEvents has answered, as EventBridge delivers: the event, or what `Input`, `InputPath`
 * or `InputTransformer` make of it.
 *
 * A Lambda target is invoked asynchronously, as EventBridge invokes it: Lambda's async
 * invoke settings of the function (retries, maximum event age, on-failure destination)
 * then apply to its errors; EventBridge's RetryPolicy counts only deliveries it could not
 * make. It cannot deliver to a function whose `AWS::Lambda::Permission` does not let
 * `events.amazonaws.com` invoke it from this rule, nor to a function or queue that is not
 * run: such an event goes to the target's DeadLetterConfig queue, or is dropped (printed).
 * An SQS target gets the event as a message body.
 */
import type { InvokePermissionModel, RuleModel, RuleTargetModel } from '../assembly/local-app.js';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../assembly/local-app.js';
import type { LocalBusEvent } from '../../local-gateway/event-bus.js';
import { matches } from '../streams/event-pattern.js';

/** An event as EventBridge hands it to targets. */
export interface EventBridgeEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: string[];
  readonly detail: Record<string, unknown>;
}

export interface RuleDelivery {
  /** Lambda's asynchronous invoke (accepted: true), or false when the function is not run. */
  readonly invokeAsync: (functionArn: string, payload: unknown) => boolean;
  /** SendMessage to a queue of the template as EventBridge sends it; false when there is no such queue. */
  readonly sendToQueue: (queueArn: string, body: string, attributes?: Record<string, string>) => boolean;
  readonly log: (line: string) => void;
}

export class EventRules {
  public constructor(
    private readonly rules: readonly RuleModel[],
    private readonly permissions: readonly InvokePermissionModel[],
    private readonly delivery: RuleDelivery,
  ) {}

  /** Hands `event` to the targets of every matching rule of its bus; returns the rules that matched. */
  public route(busEvent: LocalBusEvent): RuleModel[] {
    const bus = busEvent.bus.startsWith('arn:') ? busEvent.bus.slice(busEvent.bus.lastIndexOf('/') + 1) : busEvent.bus;
    const event = eventBridgeEventOf(busEvent);
    const matched = this.rules.filter((rule) => rule.enabled && rule.busName === bus && rule.eventPattern !== undefined && matches(rule.eventPattern as Record<string, unknown>, event));
    for (const rule of matched) {
      for (const target of rule.targets) {
        // After PutEvents has answered: delivery is asynchronous on AWS.
        setImmediate(() => {
          try {
            this.deliver(rule, target, event);
          } catch (error) {
            this.failed(rule, target, event, 'InternalError', String(error));
          }
        });
      }
    }
    return matched;
  }

  private deliver(rule: RuleModel, target: RuleTargetModel, event: EventBridgeEvent): void {
    let input: string;
    try {
      input = transformedInput(target, event);
    } catch (error) {
      return this.failed(rule, target, event, 'InvalidInput', String(error));
    }
    if (target.arn.includes(':lambda:')) {
      const functionArn = target.arn.replace(/:(\$LATEST|\d+)$/, '');
      const allowed = this.permissions.some(
        (permission) => permission.functionArn === functionArn && permission.principal === 'events.amazonaws.com' && (permission.sourceArn === undefined || permission.sourceArn === rule.arn),
      );
      if (!allowed) return this.failed(rule, target, event, 'NO_PERMISSIONS', `no AWS::Lambda::Permission lets events.amazonaws.com invoke ${functionArn} from ${rule.arn}`);
      if (!this.delivery.invokeAsync(functionArn, JSON.parse(input) as unknown)) return this.failed(rule, target, event, 'RESOURCE_NOT_FOUND', `function ${functionArn} is not run locally`);
      return;
    }
    if (target.arn.includes(':sqs:')) {
      if (!this.delivery.sendToQueue(target.arn, input)) this.failed(rule, target, event, 'RESOURCE_NOT_FOUND', `queue ${target.arn} is not in the template`);
      return;
    }
    this.failed(rule, target, event, 'UNSUPPORTED_TARGET', `targets other than Lambda functions and SQS queues are not emulated (${target.arn})`);
  }

  /**
   * A delivery EventBridge could not make. Locally these are permission and missing-resource
   * errors, which EventBridge does not retry: the event goes to the dead-letter queue at once.
   */
  private failed(rule: RuleModel, target: RuleTargetModel, event: EventBridgeEvent, code: string, message: string): void {
    const deadLetter = target.deadLetterArn;
    const sent =
      deadLetter !== undefined &&
      this.delivery.sendToQueue(deadLetter, JSON.stringify(event), { RULE_ARN: rule.arn, TARGET_ARN: target.arn, ERROR_CODE: code, ERROR_MESSAGE: message });
    this.delivery.log(`WARN rule ${rule.name}: event ${event.id} not delivered to ${target.arn} (${code}: ${message})${sent ? `; sent to its dead-letter queue ${String(deadLetter)}` : deadLetter ? `; its dead-letter queue ${deadLetter} is not in the template` : ''}`);
  }
}

export function eventBridgeEventOf(event: LocalBusEvent): EventBridgeEvent {
  return {
    version: '0',
    id: event.id,
    'detail-type': event.detailType,
    source: event.source,
    account: LOCAL_ACCOUNT,
    time: event.time.replace(/\.\d{3}Z$/, 'Z'),
    region: LOCAL_REGION,
    // The local bus does not keep an entry's Resources.
    resources: [],
    detail: event.detail,
  };
}

/** What the target gets: `Input`, `InputPath`'s part, `InputTransformer`'s template filled in, or the event. */
export function transformedInput(target: RuleTargetModel, event: EventBridgeEvent): string {
  if (target.input !== undefined) return target.input;
  if (target.inputPath !== undefined) return JSON.stringify(jsonPath(event, target.inputPath) ?? null);
  if (target.inputTransformer) {
    const values = Object.fromEntries(Object.entries(target.inputTransformer.inputPathsMap).map(([name, path]) => [name, jsonPath(event, path)]));
    const template = target.inputTransformer.inputTemplate;
    const json = /^\s*[[{]/.test(template);
    return template.replace(/<([\w.-]+)>/g, (whole, name: string, offset: number) => {
      const value = name === 'aws.events.event' || name === 'aws.events.event.json' ? event : Object.hasOwn(values, name) ? values[name] : undefined;
      if (value === undefined && !Object.hasOwn(values, name) && !name.startsWith('aws.events.event')) return whole;
      // In a JSON template a placeholder inside quotes takes a string's text; outside quotes, the value as JSON.
      const insideQuotes = json && (template.slice(0, offset).replace(/\\./g, '').match(/"/g)?.length ?? 0) % 2 === 1;
      if (!json) return typeof value === 'string' ? value : JSON.stringify(value ?? null);
      if (insideQuotes) return typeof value === 'string' ? JSON.stringify(value).slice(1, -1) : JSON.stringify(value ?? null);
      return JSON.stringify(value ?? null);
    });
  }
  return JSON.stringify(event);
}

/** A JSONPath of the simple kind EventBridge takes (`$`, `$.detail.topic`, `$.resources[0]`). */
function jsonPath(value: unknown, path: string): unknown {
  if (path === '$') return value;
  if (!path.startsWith('$.')) throw new Error(`unsupported JSONPath ${path}`);
  let current: unknown = value;
  for (const part of path.slice(2).split('.')) {
    const match = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
    if (!match) throw new Error(`unsupported JSONPath ${path}`);
    current = (current as Record<string, unknown> | undefined)?.[match[1] as string];
    for (const index of (match[2] ?? '').matchAll(/\[(\d+)\]/g)) current = (current as unknown[] | undefined)?.[Number(index[1])];
  }
  return current;
}
