/*
 * The backend entry file docs/embedding.md shows under "The backend entry
 * file", taken from that page itself at test time, so the test boots
 * exactly what readers copy and the two cannot drift apart.
 */
import fs from 'fs';
import path from 'path';
// The root devDependency that type-checks this repository; it compiles the
// snippet as a backend's own build would.
// eslint-disable-next-line @backstage/no-undeclared-imports
import ts from 'typescript';
import { repoRoot } from '../backendProcess';

/** The page that documents embedding, from the repository root. */
export const EMBEDDING_DOC = 'docs/embedding.md';

/** The heading of the section of that page the snippet is taken from. */
export const EMBEDDING_HEADING = '## The backend entry file';

/** The first ```ts block of the embedding page's entry-file section. */
export function readEmbeddingSnippet(
  docPath = path.join(repoRoot, EMBEDDING_DOC),
): string {
  const doc = fs.readFileSync(docPath, 'utf8');
  const start = doc.indexOf(`\n${EMBEDDING_HEADING}\n`);
  if (start < 0) {
    throw new Error(`${docPath} has no "${EMBEDDING_HEADING}" section`);
  }
  const rest = doc.slice(start + EMBEDDING_HEADING.length + 2);
  const section = rest.split(/^## /m)[0];
  const block = section.match(/^```ts\n([\s\S]*?)^```/m);
  if (!block) {
    throw new Error(
      `the "${EMBEDDING_HEADING}" section of ${docPath} has no \`\`\`ts block`,
    );
  }
  return block[1];
}

/** The packages the snippet imports (statically or with `import()`), by package name. */
export function importedPackages(source: string): string[] {
  const specifiers = [
    ...source.matchAll(/\bfrom\s+['"]([^'"]+)['"]/g),
    ...source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map(match => match[1]);
  const names = specifiers
    .filter(s => !s.startsWith('.') && !s.startsWith('node:'))
    .map(s =>
      s
        .split('/')
        .slice(0, s.startsWith('@') ? 2 : 1)
        .join('/'),
    );
  return [...new Set(names)].sort();
}

/** The snippet compiled to the CommonJS a Backstage backend runs as. */
export function compileSnippet(source: string): string {
  const { outputText, diagnostics } = ts.transpileModule(source, {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
    },
    reportDiagnostics: true,
  });
  if (diagnostics && diagnostics.length > 0) {
    const messages = diagnostics.map(d =>
      ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    );
    throw new Error(
      `the embedding snippet of ${EMBEDDING_DOC} does not compile: ${messages.join(
        '; ',
      )}`,
    );
  }
  return outputText;
}
