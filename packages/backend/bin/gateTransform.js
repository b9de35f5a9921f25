/*
 * A CommonJS-only TypeScript transform for the preset boot gate: SWC through
 * pirates, with the options of Backstage's node transform
 * (@backstage/cli-node/config/nodeTransform.cjs). That transform also
 * registers Node's module hooks, which start a thread of their own before a
 * process's first line runs; the gate is CommonJS,
 * and a refused boot should not pay for hooks only the backend needs.
 *
 * Returns a function that removes the hook again, so Backstage's transform
 * alone handles the backend once the gate has passed.
 */
const { addHook } = require('pirates');
const { transformSync } = require('@swc/core');

module.exports = function registerGateTransform() {
  return addHook(
    (code, filename) =>
      transformSync(code, {
        filename,
        sourceMaps: 'inline',
        module: { type: 'commonjs', ignoreDynamic: true },
        jsc: { target: 'es2023', parser: { syntax: 'typescript' } },
      }).code,
    { exts: ['.ts'], ignoreNodeModules: true },
  );
};
