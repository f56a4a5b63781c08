/**
 * The `heartbeat` route: answered by API Gateway itself, with no function behind it.
 *
 * A connection that says nothing for 10 minutes is closed by API Gateway, and a client
 * learns that its connection died only from a missing reply. Both need a frame and its
 * answer now and then, all day long, from every idle tab: the cheapest thing API Gateway
 * can do is answer from a MOCK integration through a route response. That costs the two
 * messages ($2 per million) and nothing else: no Lambda request, no compute.
 *
 * A mapping template could echo the request's `ref` only through VTL, which would make the
 * answer depend on a template engine; the reply is a fixed frame instead, and the client
 * matches it to the heartbeat it has outstanding (`topicast/client` does). Phoenix V2 array
 * frames carry no `action`, so the plain `phoenix` client's heartbeats keep going to
 * `$default`; `topicast/client` sends this frame instead.
 *
 * One definition, in the properties of AWS::ApiGatewayV2::Integration, IntegrationResponse
 * and Route: the construct synthesizes it, the local gateway emulates it.
 */

/** What a client sends: `{"action":"heartbeat"}` (anything else in the frame is ignored). */
export const HEARTBEAT_ACTION = 'heartbeat';

/** The frame API Gateway answers with: what a ref-less `ping` gets, without running a function. */
export const HEARTBEAT_REPLY = '{"topic":null,"event":"phx_reply","ref":null,"payload":{"status":"ok","response":{}}}';

/** The frame `topicast/client` sends for a heartbeat. */
export const HEARTBEAT_FRAME = `{"action":"${HEARTBEAT_ACTION}"}`;

export interface MockIntegrationResponseDefinition {
  /** `$default`, or a `/regex/` matched against the status code the request template chose. */
  readonly integrationResponseKey: string;
  readonly templateSelectionExpression?: string;
  readonly responseTemplates: Readonly<Record<string, string>>;
}

/** A MOCK route: the subset of the CloudFormation properties API Gateway reads for it. */
export interface MockRouteDefinition {
  readonly routeKey: string;
  /** AWS::ApiGatewayV2::Integration: TemplateSelectionExpression, RequestTemplates. */
  readonly templateSelectionExpression: string;
  readonly requestTemplates: Readonly<Record<string, string>>;
  readonly integrationResponses: readonly MockIntegrationResponseDefinition[];
  /** AWS::ApiGatewayV2::Route RouteResponseSelectionExpression: set, the route is two-way. */
  readonly routeResponseSelectionExpression: string | undefined;
}

// `\$default` is the static value `$default` (a bare `$default` would read as an expression).
const STATIC_DEFAULT = '\\$default';

export const HEARTBEAT_ROUTE: MockRouteDefinition = {
  routeKey: HEARTBEAT_ACTION,
  templateSelectionExpression: STATIC_DEFAULT,
  // A MOCK integration answers with the status code its request template names.
  requestTemplates: { $default: '{"statusCode":200}' },
  integrationResponses: [{ integrationResponseKey: '$default', templateSelectionExpression: STATIC_DEFAULT, responseTemplates: { $default: HEARTBEAT_REPLY } }],
  routeResponseSelectionExpression: '$default',
};

/** Every route API Gateway answers without a function. */
export const MOCK_ROUTES: readonly MockRouteDefinition[] = [HEARTBEAT_ROUTE];
