/**
 * docs/runbooks/ is generated from lambdas/core/diagnosis/runbooks/: the committed pages must equal the
 * generator's output (run `npx tsx scripts/gen-runbooks.ts` after editing a runbook).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RUNBOOK_CLASSES } from '../../../lambdas/core/diagnosis/runbooks';
import { generatedRunbookFiles, staleRunbookFiles, writeRunbookFiles } from '../../../scripts/gen-runbooks';
import { REPO } from '../../support/paths';

const ROOT = REPO;

test('the committed runbook pages are up to date with the generator', () => {
  expect(staleRunbookFiles(ROOT)).toEqual([]);
});

test('there is one page per class plus the index, each linking back to explain', () => {
  const files = generatedRunbookFiles();
  expect([...files.keys()].sort()).toEqual(
    [...RUNBOOK_CLASSES.map((c) => `docs/runbooks/${c}.md`), 'docs/runbooks/README.md'].sort(),
  );
  for (const cls of RUNBOOK_CLASSES) {
    const page = files.get(`docs/runbooks/${cls}.md`) ?? '';
    expect(page).toContain(`# ${cls}: `);
    expect(page).toContain(`npx payprobe explain ${cls}`);
    expect(page).toContain('```sh\nnpx payprobe check --config payprobe.yaml --processor PROCESSOR');
    expect(files.get('docs/runbooks/README.md')).toContain(`[${cls}](${cls}.md)`);
  }
});

test('the staleness check catches an edited, a missing and a left-over page, and the writer repairs them', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'payprobe-runbooks-'));
  try {
    expect(writeRunbookFiles(dir)).toHaveLength(RUNBOOK_CLASSES.length + 1);
    expect(staleRunbookFiles(dir)).toEqual([]);
    const edited = path.join(dir, 'docs/runbooks/CERT_EXPIRED.md');
    writeFileSync(edited, `${readFileSync(edited, 'utf8')}\nhand edit\n`);
    rmSync(path.join(dir, 'docs/runbooks/DNS_FAILURE.md'));
    writeFileSync(path.join(dir, 'docs/runbooks/OLD_CLASS.md'), '# gone\n');
    expect(staleRunbookFiles(dir)).toEqual([
      'docs/runbooks/CERT_EXPIRED.md',
      'docs/runbooks/DNS_FAILURE.md',
      'docs/runbooks/OLD_CLASS.md',
    ]);
    writeRunbookFiles(dir);
    expect(staleRunbookFiles(dir)).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
