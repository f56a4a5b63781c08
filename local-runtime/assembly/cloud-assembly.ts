/**
 * A cloud assembly as `cdk synth` writes it (cdk.out): manifest.json, one template per
 * stack, the asset manifests and the `asset.*` folders. Nested assemblies (CDK Stages)
 * are read too; only CloudFormation stacks and their file assets matter here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import type { Json } from './intrinsics.js';

export interface Template {
  readonly Parameters?: Record<string, { Type?: string; Default?: Json }>;
  readonly Conditions?: Record<string, Json>;
  readonly Resources?: Record<string, TemplateResource>;
}

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, Json>;
  readonly Metadata?: Record<string, Json>;
  readonly Condition?: string;
}

export interface AssemblyStack {
  /** The stack's name (as deployed): the artifact's `stackName`, else its id. */
  readonly stackName: string;
  readonly template: Template;
  /** Folder of the assembly holding this stack: asset paths are relative to it. */
  readonly assemblyDir: string;
  /** A file asset's folder by its S3 object key (`<hash>.zip`), from the asset manifests. */
  readonly assetDirs: ReadonlyMap<string, string>;
}

interface Manifest {
  readonly artifacts?: Record<string, { type: string; properties?: Record<string, unknown>; displayName?: string }>;
}

interface AssetManifest {
  readonly files?: Record<string, { source: { path?: string; packaging?: string }; destinations: Record<string, { objectKey: string }> }>;
}

export class AssemblyError extends Error {}

/** Every CloudFormation stack of the assembly in `dir` (and of its nested assemblies). */
export function readCloudAssembly(dir: string): AssemblyStack[] {
  const assemblyDir = resolvePath(dir);
  const manifestPath = join(assemblyDir, 'manifest.json');
  if (!existsSync(manifestPath)) throw new AssemblyError(`${assemblyDir} is not a cloud assembly: it has no manifest.json (synthesize with cdk synth, or pass --app)`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  const artifacts = Object.entries(manifest.artifacts ?? {});
  const assetDirs = new Map<string, string>();
  for (const [, artifact] of artifacts) {
    if (artifact.type !== 'cdk:asset-manifest') continue;
    const file = join(assemblyDir, String(artifact.properties?.file));
    const assets = JSON.parse(readFileSync(file, 'utf8')) as AssetManifest;
    for (const asset of Object.values(assets.files ?? {})) {
      if (!asset.source.path) continue;
      for (const destination of Object.values(asset.destinations)) assetDirs.set(destination.objectKey, resolvePath(dirname(file), asset.source.path));
    }
  }
  const stacks: AssemblyStack[] = [];
  for (const [id, artifact] of artifacts) {
    if (artifact.type === 'cdk:cloud-assembly') {
      stacks.push(...readCloudAssembly(join(assemblyDir, String(artifact.properties?.directoryName))));
    } else if (artifact.type === 'aws:cloudformation:stack') {
      const templateFile = String(artifact.properties?.templateFile);
      const template = JSON.parse(readFileSync(join(assemblyDir, templateFile), 'utf8')) as Template;
      stacks.push({ stackName: typeof artifact.properties?.stackName === 'string' ? artifact.properties.stackName : id, template, assemblyDir, assetDirs });
    }
  }
  return stacks;
}
