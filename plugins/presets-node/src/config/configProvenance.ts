/*
 * Where each value of the final config comes from. Built on the very layers
 * the backend merges (presetConfigLayers), so the answer cannot drift from
 * what a boot loads.
 */
import { stringifyError } from '@backstage/errors';
import { JsonObject, JsonValue } from '@backstage/types';
import { looksLikeSecretName } from '@devportal/plugin-presets-common';
import { PresetConfigLayer } from './createPresetConfigSource';

/** What is shown instead of a value that holds a secret. @public */
export const REDACTED = '<secret>';

/** One layer's data, as read from its config source. @public */
export interface ConfigLayerData {
  /** See {@link PresetConfigLayer.label}. */
  label: string;
  kind: PresetConfigLayer['kind'];
  /** What the source yields, lowest precedence first (usually one document). */
  data: JsonObject[];
  /** Why the layer could not be read, if it could not. */
  error?: string;
}

/** A leaf of the final config and the layer it came from. @public */
export interface ConfigLeafOrigin {
  /** The config key, dot-separated (`catalog.providers.github`). */
  path: string;
  /** The value, with every secret in it replaced by {@link REDACTED}. */
  value: JsonValue;
  /**
   * The layer that sets it: a file, a preset (or a plugin a preset
   * enables), `VEECODE_APP_CONFIG`, or the `APP_CONFIG_*` variable itself.
   */
  from: string;
}

/**
 * Reads each layer once, without watching: the first data a config source
 * yields is what a backend starting now would load. A layer that cannot be
 * read carries its error, and the others are still read, so every broken
 * layer is reported at once.
 *
 * @public
 */
export async function readConfigLayers(
  layers: PresetConfigLayer[],
): Promise<ConfigLayerData[]> {
  const read: ConfigLayerData[] = [];
  for (const layer of layers) {
    const { label, kind } = layer;
    const generator = layer.source.readConfigData();
    try {
      const first = await generator.next();
      read.push({
        label,
        kind,
        data: first.done ? [] : first.value.configs.map(c => c.data),
      });
    } catch (error) {
      read.push({ label, kind, data: [], error: stringifyError(error) });
    } finally {
      // Ends the source (a file source would otherwise keep a watcher).
      await generator.return(undefined);
    }
  }
  return read;
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The `APP_CONFIG_*` variable that sets `path`: the one whose name, split at
 * underscores as Backstage's `EnvConfigSource` splits it, is a prefix of the
 * path (its value may be a JSON object holding the leaf).
 */
function envVariableFor(
  path: string[],
  env: Record<string, string | undefined>,
): string | undefined {
  return Object.keys(env).find(name => {
    if (!name.startsWith('APP_CONFIG_') || !env[name]) {
      return false;
    }
    const parts = name.slice('APP_CONFIG_'.length).split('_');
    return parts.every((part, i) => path[i] === part);
  });
}

/**
 * Whether a config key names a credential (`clientSecret`, `token`,
 * `password`), for a credential an operator wrote literally in a file. A
 * key named just `key` is an identifier far more often (tech radar entries).
 */
function isCredentialKey(key: string): boolean {
  return key.toLowerCase() !== 'key' && looksLikeSecretName(key);
}

/**
 * A value with secrets replaced: a scalar holding a secret value, and a
 * string below a key that names a credential.
 */
function redact(value: JsonValue, key: string, secrets: string[]): JsonValue {
  if (value === null || typeof value !== 'object') {
    // A number or boolean too: an APP_CONFIG_* value is parsed as JSON.
    const text = String(value);
    const secret =
      secrets.some(s => text.includes(s)) ||
      (typeof value === 'string' && isCredentialKey(key));
    return secret ? REDACTED : value;
  }
  if (Array.isArray(value)) {
    return value.map(item => redact(item, key, secrets));
  }
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, redact(v!, k, secrets)]),
  );
}

/**
 * A message with every secret value in it replaced by {@link REDACTED}: a
 * config source's error may quote what it read.
 *
 * @public
 */
export function redactText(text: string, secrets: string[]): string {
  return secrets
    .filter(secret => secret.trim() !== '')
    .reduce((result, secret) => result.split(secret).join(REDACTED), text);
}

/** Options for {@link configProvenance}. @public */
export interface ConfigProvenanceOptions {
  /** Secret values to redact, such as `PresetResolution.secrets`. */
  secrets: string[];
  /** The environment the `APP_CONFIG_*` layer was read from, to name each variable. */
  env: Record<string, string | undefined>;
}

/**
 * Every leaf of the merged config with the last layer that sets it, sorted
 * by path. Merging follows Backstage: objects merge deeply, while a scalar
 * or an array (a leaf here) replaces whatever a lower layer had at that key,
 * and an object replaces a lower scalar. Values holding a secret are
 * redacted.
 *
 * @public
 */
export function configProvenance(
  layers: ConfigLayerData[],
  options: ConfigProvenanceOptions,
): ConfigLeafOrigin[] {
  const secrets = options.secrets.filter(s => s.trim() !== '');
  // Keyed by the path's JSON: a config key may itself contain a dot.
  const leaves = new Map<
    string,
    { path: string[]; value: JsonValue; from: string }
  >();
  const isBelow = (path: string[], prefix: string[]) =>
    prefix.length <= path.length && prefix.every((p, i) => path[i] === p);
  const dropWhere = (test: (path: string[]) => boolean) => {
    for (const [key, leaf] of leaves) {
      if (test(leaf.path)) {
        leaves.delete(key);
      }
    }
  };

  const visit = (value: JsonValue, path: string[], layer: ConfigLayerData) => {
    if (value === undefined) {
      return;
    }
    // A lower scalar on the way down is replaced by this layer's object.
    dropWhere(p => p.length < path.length && isBelow(path, p));
    if (isObject(value)) {
      for (const [key, child] of Object.entries(value)) {
        visit(child!, [...path, key], layer);
      }
      return;
    }
    dropWhere(p => isBelow(p, path));
    const from =
      layer.kind === 'env'
        ? envVariableFor(path, options.env) ?? layer.label
        : layer.label;
    leaves.set(JSON.stringify(path), {
      path,
      value: redact(value, path[path.length - 1] ?? '', secrets),
      from,
    });
  };

  for (const layer of layers) {
    for (const data of layer.data) {
      for (const [key, child] of Object.entries(data)) {
        visit(child!, [key], layer);
      }
    }
  }
  return (
    [...leaves.values()]
      .map(leaf => ({
        path: leaf.path.join('.'),
        value: leaf.value,
        from: leaf.from,
      }))
      // By code unit, not locale: the order must not change with the machine.
      .sort((a, b) => Number(a.path > b.path) - Number(a.path < b.path))
  );
}
