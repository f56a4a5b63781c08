/**
 * Command-line parsing for topicast's long-running commands (the local gateway behind
 * `npm start`, `topicast dynamodb`): every mistake is a one-line message plus the usage,
 * never a stack trace, and the caller exits with status 2.
 *
 * Built on node:util's parseArgs in its non-strict mode, with the checks done here, because
 * strict mode throws ERR_PARSE_ARGS_* errors whose messages cannot name what to do.
 *
 * `npm start --channel x` (no `--`) is the classic trap: npm keeps `--channel` as its own
 * config (npm_config_channel=true) and hands the script a lone `x`. The parser recognises
 * the pattern from npm's environment and says to write `npm start -- --channel x`.
 */
import { parseArgs } from 'node:util';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** May be given several times (collected into an array). */
  readonly multiple?: boolean;
  /** A one-letter alias, e.g. `c` for `-c` (as the CDK CLI spells `--context`). */
  readonly short?: string;
  /** The value's placeholder in the usage text, e.g. `N` or `FILE`. */
  readonly placeholder?: string;
  readonly description: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

export type ParsedValues = Record<string, string | boolean | string[] | undefined>;

export type CommandLine =
  | { readonly kind: 'run'; readonly values: ParsedValues }
  | { readonly kind: 'help' }
  | { readonly kind: 'usage-error'; readonly message: string };

export interface CommandLineContext {
  /** How the user invoked the command, for the messages: `npm start --` or `topicast dynamodb`. */
  readonly invocation: string;
  /** The environment, where npm leaves `npm_config_*` for options it kept. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The one usage line printed after every usage error. */
export function usageLine(invocation: string, specs: OptionSpecs): string {
  const synopsis = Object.entries(specs)
    .map(([name, spec]) => `[--${name}${spec.type === 'string' ? ` ${spec.placeholder ?? 'VALUE'}` : ''}${spec.multiple ? ' ...' : ''}]`)
    .join(' ');
  return `usage: ${invocation} ${synopsis} [--help]`;
}

/** The usage line and one line per option, for `--help`. */
export function usageText(invocation: string, specs: OptionSpecs): string {
  const rows = Object.entries(specs).map(([name, spec]) => [`--${name}${spec.type === 'string' ? ` ${spec.placeholder ?? 'VALUE'}` : ''}`, spec.description] as const);
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return `${usageLine(invocation, specs)}\n\n${rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`).join('\n')}\n`;
}

export function parseCommandLine(argv: readonly string[], specs: OptionSpecs, context: CommandLineContext): CommandLine {
  const env = context.env ?? process.env;
  const { tokens } = parseArgs({
    args: [...argv],
    options: Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, { type: spec.type, multiple: spec.multiple === true, ...(spec.short ? { short: spec.short } : {}) }])),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: ParsedValues = {};
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index]!;
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') return { kind: 'usage-error', message: strayArgument(token.value, specs, env, context.invocation) };
    if (token.name === 'help' || token.rawName === '-h') return { kind: 'help' };
    const spec = specs[token.name];
    if (!spec || (token.rawName !== `--${token.name}` && token.rawName !== `-${spec.short ?? '-'}`)) return { kind: 'usage-error', message: `unknown option ${token.rawName}` };
    if (spec.type === 'boolean') {
      if (token.inlineValue) return { kind: 'usage-error', message: `--${token.name} takes no value (got --${token.name}=${token.value ?? ''})` };
      values[token.name] = true;
      continue;
    }
    // parseArgs leaves a string option without its value when the next word is an option.
    const value = token.value;
    if (value === undefined || (!token.inlineValue && value.startsWith('-') && value !== '-')) {
      return { kind: 'usage-error', message: `${token.rawName} needs a value (${token.rawName} ${spec.placeholder ?? 'VALUE'})` };
    }
    if (spec.multiple) values[token.name] = [...((values[token.name] as string[] | undefined) ?? []), value];
    else values[token.name] = value;
  }
  const kept = keptByNpm(specs, env).filter((name) => values[name] === undefined);
  if (kept.length > 0) return { kind: 'usage-error', message: npmKept(kept[0]!, undefined, env) };
  return { kind: 'run', values };
}

/**
 * A positional argument. Under `npm start`, npm turns `--channel x` into the config
 * `npm_config_channel=true` and passes `x` alone: name the option npm kept.
 */
function strayArgument(value: string, specs: OptionSpecs, env: Readonly<Record<string, string | undefined>>, invocation: string): string {
  const kept = keptByNpm(specs, env);
  if (kept.length > 0) return `unexpected argument "${value}": ${npmKept(kept[0]!, value, env)}`;
  return `unexpected argument "${value}" (options start with --; ${invocation} --help lists them)`;
}

/** Options of ours that npm took as its own config: it leaves `npm_config_<name>` for each. */
function keptByNpm(specs: OptionSpecs, env: Readonly<Record<string, string | undefined>>): string[] {
  if (env.npm_lifecycle_event === undefined) return [];
  return Object.keys(specs).filter((name) => env[`npm_config_${name.replaceAll('-', '_')}`] !== undefined);
}

function npmKept(option: string, value: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  const script = env.npm_lifecycle_event === 'start' ? 'npm start' : `npm run ${env.npm_lifecycle_event ?? 'start'}`;
  return `npm kept --${option} for itself (npm reads the options before "--" as its own). Write: ${script} -- --${option}${value === undefined ? '' : ` ${value}`}`;
}
