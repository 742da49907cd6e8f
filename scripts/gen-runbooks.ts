/**
 * Generates docs/runbooks/<CLASS>.md and docs/runbooks/README.md from lambdas/core/diagnosis/runbooks/, the
 * same source as the page and `payprobe explain`. test/core/diagnosis/runbooks-docs.test.ts fails when the
 * committed pages differ from what this generates.
 *
 *   npx tsx scripts/gen-runbooks.ts          # write the pages
 *   npx tsx scripts/gen-runbooks.ts --check  # exit 1 listing stale or missing pages, write nothing
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  RUNBOOK_CLASSES,
  RUNBOOK_DOCS_DIR,
  renderRunbookIndex,
  renderRunbookMarkdown,
  runbookFor,
} from '../lambdas/core/diagnosis/runbooks';

/** Every generated page: path relative to the repository root -> content. */
export function generatedRunbookFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const cls of RUNBOOK_CLASSES)
    files.set(`${RUNBOOK_DOCS_DIR}/${cls}.md`, renderRunbookMarkdown(runbookFor(cls)));
  files.set(`${RUNBOOK_DOCS_DIR}/README.md`, renderRunbookIndex());
  return files;
}

/** Pages that differ from the generator's output, are missing, or are left over from a removed class. */
export function staleRunbookFiles(root: string): string[] {
  const expected = generatedRunbookFiles();
  const stale: string[] = [];
  for (const [rel, content] of expected) {
    const abs = path.join(root, rel);
    if (!existsSync(abs) || readFileSync(abs, 'utf8') !== content) stale.push(rel);
  }
  const dir = path.join(root, RUNBOOK_DOCS_DIR);
  if (existsSync(dir)) {
    for (const f of readdirSync(dir)) {
      const rel = `${RUNBOOK_DOCS_DIR}/${f}`;
      if (f.endsWith('.md') && !expected.has(rel)) stale.push(rel);
    }
  }
  return stale.sort();
}

export function writeRunbookFiles(root: string): string[] {
  const stale = staleRunbookFiles(root);
  const expected = generatedRunbookFiles();
  mkdirSync(path.join(root, RUNBOOK_DOCS_DIR), { recursive: true });
  for (const rel of stale) {
    const content = expected.get(rel);
    if (content === undefined) unlinkSync(path.join(root, rel));
    else writeFileSync(path.join(root, rel), content);
  }
  return stale;
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..');
  if (process.argv.includes('--check')) {
    const stale = staleRunbookFiles(root);
    if (stale.length > 0) {
      process.stderr.write(
        `stale runbook pages (run npx tsx scripts/gen-runbooks.ts):\n  ${stale.join('\n  ')}\n`,
      );
      process.exitCode = 1;
    }
  } else {
    const written = writeRunbookFiles(root);
    process.stdout.write(
      written.length ? `updated:\n  ${written.join('\n  ')}\n` : 'runbook pages are up to date\n',
    );
  }
}
