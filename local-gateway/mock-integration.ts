/**
 * API Gateway's MOCK integration for WebSocket routes, as far as the local gateway needs
 * it: the request template's `statusCode` chooses the integration response, whose
 * response template becomes the route response (two-way routes only). No function runs.
 *
 * Selection expressions: static values (`\$default`, `abc`) and `${request.body.a.b}`.
 * Templates: static text only. A template with VTL (`$` or `#`) is refused when the route
 * is compiled, so the emulator never answers differently from what AWS would evaluate.
 */
import type { MockRouteDefinition } from '../lambdas/core/protocol/heartbeat-route.js';

export type MockOutcome =
  /** The route response's body, or undefined on a one-way route (nothing is sent back). */
  | { readonly kind: 'response'; readonly statusCode: number; readonly body: string | undefined }
  /** What API Gateway reports as "Execution failed due to configuration error": the client gets "Internal server error". */
  | { readonly kind: 'configuration-error'; readonly message: string };

export type MockRoute = (body: string) => MockOutcome;

export function compileMockRoute(route: MockRouteDefinition): MockRoute {
  for (const template of [...Object.values(route.requestTemplates), ...route.integrationResponses.flatMap((r) => Object.values(r.responseTemplates))]) {
    if (/[$#]/.test(template)) throw new Error(`route ${route.routeKey}: the local gateway evaluates static mapping templates only, not ${JSON.stringify(template)}`);
  }
  return (body) => {
    const request = parseBody(body);
    const requestTemplate = pickTemplate(route.requestTemplates, evaluate(route.templateSelectionExpression, request));
    // Without a request template a MOCK integration has no status code to answer with.
    if (requestTemplate === undefined) return { kind: 'configuration-error', message: 'statusCode should be an integer which defined in request template' };
    const statusCode = statusCodeOf(requestTemplate);
    if (statusCode === null) return { kind: 'configuration-error', message: 'statusCode should be an integer which defined in request template' };
    const integrationResponse = pickIntegrationResponse(route, String(statusCode));
    if (!integrationResponse) return { kind: 'configuration-error', message: `no integration response matches status ${statusCode}` };
    const responseTemplate = pickTemplate(integrationResponse.responseTemplates, evaluate(integrationResponse.templateSelectionExpression ?? '', request));
    // One-way routes send nothing back, whatever the integration answered.
    const twoWay = route.routeResponseSelectionExpression !== undefined;
    return { kind: 'response', statusCode, body: twoWay ? (responseTemplate ?? '') : undefined };
  };
}

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** A selection expression's value: `\$x` is the static `$x`, `${request.body.path}` a field of the frame, anything else itself. */
function evaluate(expression: string, request: unknown): string {
  if (expression.startsWith('\\$')) return expression.slice(1);
  const field = /^\$\{request\.body\.([A-Za-z0-9_.]+)\}$/.exec(expression);
  if (!field) return expression;
  let value: unknown = request;
  for (const part of (field[1] as string).split('.')) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
  return value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
}

/** The template whose key the expression evaluated to, else the `$default` one. */
function pickTemplate(templates: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(templates, key) ? templates[key] : templates.$default;
}

function statusCodeOf(template: string): number | null {
  const parsed = parseBody(template) as { statusCode?: unknown } | undefined;
  const code = parsed?.statusCode;
  return typeof code === 'number' && Number.isInteger(code) ? code : null;
}

/** A `/regex/` key matching the status code wins over the `$default` catch-all. */
function pickIntegrationResponse(route: MockRouteDefinition, status: string): MockRouteDefinition['integrationResponses'][number] | undefined {
  const matching = route.integrationResponses.find((response) => {
    const key = response.integrationResponseKey;
    return key.startsWith('/') && key.endsWith('/') && key.length > 2 && new RegExp(`^(?:${key.slice(1, -1)})$`).test(status);
  });
  return matching ?? route.integrationResponses.find((response) => response.integrationResponseKey === '$default');
}
