/**
 * CloudFormation intrinsic functions, resolved to plain strings the way CloudFormation
 * would at deploy time, given what each logical id stands for. Only the functions CDK
 * writes into IAM policies are supported (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select,
 * Fn::Split); anything else throws, so a policy is never evaluated half-resolved.
 */

/** What the template's references stand for (the deployed resources, or local stand-ins). */
export interface TemplateResolver {
  /** `{ Ref: logicalId }`: a resource's physical id, a parameter's value or a pseudo parameter (`AWS::Region`). */
  ref(logicalId: string): string;
  /** `{ 'Fn::GetAtt': [logicalId, attribute] }`. */
  getAtt(logicalId: string, attribute: string): string;
}

export class UnresolvableValueError extends Error {
  public override readonly name = 'UnresolvableValueError';
}

/** The value with every intrinsic function replaced by its string; plain objects and arrays are walked. */
export function resolveValue(value: unknown, resolver: TemplateResolver): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, resolver));
  if (value === null || typeof value !== 'object') return value;
  const node = value as Record<string, unknown>;
  const keys = Object.keys(node);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'))) return resolveIntrinsic(keys[0]!, node[keys[0]!], resolver);
  return Object.fromEntries(keys.map((key) => [key, resolveValue(node[key], resolver)]));
}

/** Like {@link resolveValue}, for a value that must come out as a string. */
export function resolveString(value: unknown, resolver: TemplateResolver): string {
  const resolved = resolveValue(value, resolver);
  if (typeof resolved !== 'string') throw new UnresolvableValueError(`expected a string, got ${JSON.stringify(resolved)}`);
  return resolved;
}

function resolveIntrinsic(name: string, argument: unknown, resolver: TemplateResolver): unknown {
  switch (name) {
    case 'Ref':
      return resolver.ref(String(argument));
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = Array.isArray(argument) ? argument : String(argument).split(/\.(.*)/s);
      return resolver.getAtt(String(logicalId), String(attribute));
    }
    case 'Fn::Join': {
      const [delimiter, items] = argument as [string, unknown[]];
      return (resolveValue(items, resolver) as unknown[]).map(String).join(delimiter);
    }
    case 'Fn::Select': {
      const [index, list] = argument as [unknown, unknown];
      const items = resolveValue(list, resolver) as unknown[];
      const at = Number(resolveValue(index, resolver));
      if (!Array.isArray(items) || !(at in items)) throw new UnresolvableValueError(`Fn::Select index ${at} out of range`);
      return items[at];
    }
    case 'Fn::Split': {
      const [delimiter, source] = argument as [string, unknown];
      return resolveString(source, resolver).split(delimiter);
    }
    case 'Fn::Sub': {
      const [template, variables] = Array.isArray(argument) ? (argument as [string, Record<string, unknown>]) : [String(argument), {}];
      return template.replace(/\$\{([^}!][^}]*)\}/g, (_match, reference: string) => {
        if (reference in variables) return resolveString(variables[reference], resolver);
        const [logicalId, attribute] = reference.split(/\.(.*)/s);
        return attribute === undefined ? resolver.ref(reference) : resolver.getAtt(logicalId!, attribute);
      }).replace(/\$\{!/g, '${');
    }
    default:
      throw new UnresolvableValueError(`${name} is not supported in a policy`);
  }
}
