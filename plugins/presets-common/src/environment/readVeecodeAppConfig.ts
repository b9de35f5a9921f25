import { JsonObject } from '@backstage/types';
import { yaml } from '../catalog/lazyYaml';
import { PresetProblem } from '../model/problems';

/**
 * VeeCode's SaaS deployments pass a whole app-config document in this
 * variable, base64-encoded. It is the highest file layer.
 *
 * @public
 */
export const VEECODE_APP_CONFIG_ENV = 'VEECODE_APP_CONFIG';

const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

/**
 * Decodes `VEECODE_APP_CONFIG`. Returns a problem (never the value) when it
 * is not base64 or not a YAML mapping.
 *
 * @public
 */
export function readVeecodeAppConfig(env: Record<string, string | undefined>): {
  data?: JsonObject;
  problem?: PresetProblem;
} {
  const raw = env[VEECODE_APP_CONFIG_ENV];
  if (raw === undefined || raw.trim() === '') {
    return {};
  }
  const fail = (why: string): { problem: PresetProblem } => ({
    problem: {
      kind: 'invalid-config',
      message: `${VEECODE_APP_CONFIG_ENV} ${why}`,
      hint: `set it to the output of \`base64 -w0 app-config.yaml\`, or unset it`,
    },
  });
  const compact = raw.replace(/\s+/g, '');
  if (!BASE64.test(raw) || compact.length % 4 === 1) {
    return fail('is not valid base64');
  }
  const text = Buffer.from(compact, 'base64').toString('utf8');
  if (text.includes('\uFFFD')) {
    return fail('is not valid base64 of a UTF-8 YAML document');
  }
  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    return fail(
      `decodes to text that is not valid YAML (line ${
        lineCounter.linePos(doc.errors[0].pos[0]).line
      })`,
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch {
    return fail('decodes to YAML with unresolvable aliases');
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return fail('decodes to YAML that is not a mapping of config keys');
  }
  return { data: data as JsonObject };
}
