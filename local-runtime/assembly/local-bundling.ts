/**
 * The contract between a construct that bundles with esbuild (topicast's `RealtimeApi`)
 * and `topicast local`. Bundling every function at synthesis (NodejsFunction runs esbuild
 * once per function, in a process of its own) is most of a first synthesis: tens of
 * seconds for topicast's fifteen functions. So `topicast local` synthesizes with the
 * context below; a construct that honours it skips its bundling (placeholder code) and
 * records, in its function resource's Metadata, what it would have bundled. The runtime
 * then builds every recorded entry in one esbuild build, and keeps that build open to
 * rebuild on an edit (watch mode).
 *
 * No imports: the CDK constructs (lib/) read this file too, and they are deployed tooling
 * that must not pull the runtime in.
 */

/** The context `topicast local` synthesizes with; true asks for placeholder code plus {@link LOCAL_BUNDLE_METADATA}. */
export const LOCAL_BUNDLING_CONTEXT = 'topicast:localBundling';

/** The Metadata key, on an `AWS::Lambda::Function`, of what the runtime must bundle for it. */
export const LOCAL_BUNDLE_METADATA = 'topicast:localBundle';

/** What NodejsFunction would have passed esbuild (its `bundling` props), in esbuild's own terms. */
export interface LocalBundleSpec {
  /** Absolute path of the entry file. */
  readonly entry: string;
  /** The exported handler function's name (the template's handler is `index.<export>`). */
  readonly handlerExport: string;
  readonly format: 'esm' | 'cjs';
  /** esbuild target, e.g. `node24`. */
  readonly target: string;
  readonly mainFields?: readonly string[];
  /** Text put before the bundle (`--banner:js`). */
  readonly banner?: string;
  /** Modules left out of the bundle (`--external`). */
  readonly external?: readonly string[];
  /** Modules replaced at bundle time (`--alias`), to absolute paths. */
  readonly alias?: Readonly<Record<string, string>>;
  readonly minify?: boolean;
}

/** A spec read back from a template's Metadata, or undefined when it is not one. */
export function parseLocalBundleSpec(value: unknown): LocalBundleSpec | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const spec = value as Partial<LocalBundleSpec>;
  if (typeof spec.entry !== 'string' || typeof spec.handlerExport !== 'string' || (spec.format !== 'esm' && spec.format !== 'cjs') || typeof spec.target !== 'string') return undefined;
  return spec as LocalBundleSpec;
}
