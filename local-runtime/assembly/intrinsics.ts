/**
 * CloudFormation's intrinsic functions, evaluated against local values: what
 * CloudFormation would substitute at deploy time, with the local runtime's own names,
 * ARNs and endpoints in place of the deployed ones. Unknown references are errors that
 * name the resource and the property, so a template this runtime cannot run says why.
 */

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface IntrinsicContext {
  /** `Ref` of a resource, a parameter or a pseudo parameter (AWS::Region, ...). */
  ref(logicalId: string): Json;
  /** `Fn::GetAtt` of a resource. */
  getAtt(logicalId: string, attribute: string): Json;
  /** A condition's value (`Fn::If`). */
  condition(name: string): boolean;
}

export class UnresolvableError extends Error {}

export function resolve(value: Json | undefined, context: IntrinsicContext): Json {
  if (value === undefined) return null;
  if (Array.isArray(value)) return value.map((item) => resolve(item, context));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [key] = keys as [string];
    const argument = value[key] as Json;
    switch (key) {
      case 'Ref':
        return context.ref(String(argument));
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(argument) ? argument.map(String) : String(argument).split(/\.(.*)/s);
        return context.getAtt(logicalId as string, attribute as string);
      }
      case 'Fn::Join': {
        const [separator, items] = argument as [string, Json];
        return (resolve(items, context) as Json[]).map(String).join(separator);
      }
      case 'Fn::Select': {
        const [index, items] = argument as [Json, Json];
        const list = resolve(items, context) as Json[];
        return list[Number(resolve(index, context))] ?? null;
      }
      case 'Fn::Split': {
        const [separator, text] = argument as [string, Json];
        return String(resolve(text, context)).split(separator);
      }
      case 'Fn::Sub':
        return substitute(argument, context);
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = argument as [string, Json, Json];
        return resolve(context.condition(condition) ? whenTrue : whenFalse, context);
      }
      case 'Fn::Base64':
        return Buffer.from(String(resolve(argument, context))).toString('base64');
      case 'Fn::GetAZs':
        return ['a', 'b', 'c'].map((zone) => `${String(context.ref('AWS::Region'))}${zone}`);
      case 'Fn::ImportValue':
        throw new UnresolvableError(`Fn::ImportValue ${JSON.stringify(argument)}: stacks importing another stack's exports are not run locally`);
      default:
        break;
    }
  }
  return Object.fromEntries(keys.map((key) => [key, resolve(value[key] as Json, context)]));
}

/** `Fn::Sub`: `${Name}` is a Ref, `${Name.Attr}` a GetAtt, `${!Literal}` a literal `${Literal}`. */
function substitute(argument: Json, context: IntrinsicContext): string {
  const [template, variables] = Array.isArray(argument) ? (argument as [string, Record<string, Json>]) : [String(argument), {}];
  return template.replace(/\$\{([^}]*)\}/g, (_whole, name: string) => {
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    if (Object.hasOwn(variables, name)) return String(resolve(variables[name] as Json, context));
    const dot = name.indexOf('.');
    if (dot > 0 && !name.startsWith('AWS::')) return String(context.getAtt(name.slice(0, dot), name.slice(dot + 1)));
    return String(context.ref(name));
  });
}
