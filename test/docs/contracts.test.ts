/**
 * docs/contracts.md is the project's own copy of its contracts. The parts that could drift are held to the
 * code here: the configuration tables to the schema (every field, no stale one), the failure classes and
 * their stages, the keys of the `check --json` document to the ProbeResult type and the CLI's envelope, the metrics, and the alarm
 * kinds. The README's short class table, docs/lambda.md's metric table and the environment contract of the
 * deployed functions (docs/lambda.md, docs/diagnosis.md) are held to the same sources.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { checkJsonDocument, checkSummary } from '../../cli/output';
import { JSON_SCHEMA_VERSION } from '../../cli/voice';
import { schemaAt } from '../../lambdas/core/config/issues';
import { ConfigSchema } from '../../lambdas/core/config/schema';
import { ALARM_KINDS } from '../../lambdas/core/contract/alarm-names';
import { FAILURE_CLASSES, STAGES, WARNING_CLASSES } from '../../lambdas/core/contract/classes';
import {
  AUDIT_FINDINGS_METRIC,
  DIMENSION_CLASS,
  DIMENSION_GATEWAY,
  DIMENSION_PROCESSOR,
  GATEWAY_METRIC,
  METRIC_NAMESPACE,
  METRICS,
} from '../../lambdas/core/contract/metric-names';
import type { ProbeResult } from '../../lambdas/core/contract/result';
import { REPO } from '../support/paths';

const read = (file: string) => readFileSync(path.join(REPO, file), 'utf8');
const contracts = read('docs/contracts.md');

/** The text under a heading (`## X` or `### X`), up to the next heading of the same or a higher level. */
function section(md: string, heading: string): string {
  const level = heading.indexOf(' ');
  const lines = md.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`no heading "${heading}"`);
  const end = lines.findIndex(
    (l, i) => i > start && /^#+ /.test(l) && l.indexOf(' ') <= level && !l.startsWith('#'.repeat(level + 1)),
  );
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** The body rows of each markdown table in `text`, as cells. */
function tables(text: string): string[][][] {
  const found: string[][][] = [];
  let current: string[][] | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith('|')) {
      current = undefined;
      continue;
    }
    const cells = line
      .slice(1, line.endsWith('|') ? -1 : undefined)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim());
    if (!current) {
      current = [];
      found.push(current);
      continue; // the header row
    }
    if (cells.every((c) => /^-+$/.test(c))) continue;
    current.push(cells);
  }
  return found;
}

/** The backticked names in a cell: "`clientCert` / `clientKey`" → ["clientCert", "clientKey"]. */
function names(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
}

function table(text: string, index = 0): string[][] {
  const t = tables(text)[index];
  if (!t) throw new Error(`no table ${index}`);
  return t;
}

const sorted = (xs: Iterable<string>) => [...xs].sort();

describe('configuration', () => {
  const config = section(contracts, '## Configuration');
  /** The keys of the object schema at a path of a config document. */
  const keysAt = (at: PropertyKey[], data: unknown = {}): string[] => {
    const def = (schemaAt(ConfigSchema, at, data) as { _zod: { def: { type: string; shape?: object } } })._zod
      .def;
    if (def.type !== 'object' || !def.shape) throw new Error(`no object at ${at.join('.')}`);
    return Object.keys(def.shape);
  };
  const firstColumn = (heading: string, index = 0) =>
    sorted(table(section(config, heading), index).flatMap((row) => names(row[0] ?? '')));
  const processorAt = ['processors', 0];

  test('top level: every field, `alerting` by its two lists', () => {
    const top = keysAt([]).flatMap((k) =>
      k === 'alerting' ? keysAt(['alerting']).map((a) => `alerting.${a}`) : [k],
    );
    expect(firstColumn('### Top level')).toEqual(sorted(top));
  });

  test('processor fields and probe settings: every field, each in its table', () => {
    const settings = keysAt(['defaults']);
    expect(firstColumn('### Probe settings (in `defaults` or per processor)')).toEqual(sorted(settings));
    expect(firstColumn('### Processor')).toEqual(
      sorted(keysAt(processorAt).filter((k) => !settings.includes(k))),
    );
  });

  test('tls and alarms: every field', () => {
    expect(firstColumn('### `tls`')).toEqual(sorted(keysAt([...processorAt, 'tls'])));
    expect(firstColumn('### `alarms`')).toEqual(sorted(keysAt([...processorAt, 'alarms'])));
  });

  test('auth: every field, the request by its fields, and every credential type with exactly its fields', () => {
    const auth = keysAt([...processorAt, 'auth']).flatMap((k) =>
      k === 'request' ? keysAt([...processorAt, 'auth', 'request']).map((r) => `request.${r}`) : [k],
    );
    expect(firstColumn('### `auth`')).toEqual(sorted(auth));

    const credentials = schemaAt(ConfigSchema, [...processorAt, 'auth', 'credentials'], undefined) as {
      _zod: {
        def: { options: { _zod: { def: { shape: { type: { _zod: { def: { values: string[] } } } } } } }[] };
      };
    };
    const types = credentials._zod.def.options.flatMap((o) => o._zod.def.shape.type._zod.def.values);
    const documented = table(section(config, '### `auth`'), 1);
    expect(sorted(documented.flatMap((row) => names(row[0] ?? '')))).toEqual(sorted(types));
    for (const row of documented) {
      const [type] = names(row[0] ?? '');
      const data = { processors: [{ auth: { credentials: { type } } }] };
      const fields = keysAt([...processorAt, 'auth', 'credentials'], data).filter((k) => k !== 'type');
      // Each field is documented as `name` followed by what it takes; values in backticks are not fields.
      const documentedFields = [...(row[1] ?? '').matchAll(/`([A-Za-z]+)` \(/g)].map((m) => m[1] as string);
      expect({ type, fields: sorted(documentedFields) }).toEqual({ type, fields: sorted(fields) });
    }
  });

  test('references: the four kinds', () => {
    const reference = schemaAt(ConfigSchema, [...processorAt, 'tls', 'ca'], undefined) as {
      _zod: { def: { options: { _zod: { def: { shape: object } } }[] } };
    };
    const kinds = reference._zod.def.options.flatMap((o) => Object.keys(o._zod.def.shape));
    const documented = table(section(config, '### References')).map(
      (row) => /^`\{ (\w+): /.exec(row[0] ?? '')?.[1],
    );
    expect(sorted(documented.map(String))).toEqual(sorted(kinds));
  });
});

describe('failure classes', () => {
  const classes = section(contracts, '## Failure classes');

  test('every class with its stage, and nothing else', () => {
    const rows = table(classes).map((row) => `${names(row[0] ?? '')[0]} ${row[1]}`);
    expect(sorted(rows)).toEqual(
      sorted(Object.entries(FAILURE_CLASSES).map(([c, stage]) => `${c} ${stage}`)),
    );
  });

  test('every warning, and nothing else', () => {
    expect(sorted(table(classes, 1).flatMap((row) => names(row[0] ?? '')))).toEqual(sorted(WARNING_CLASSES));
  });

  test("the README's table lists the same classes by stage, in the engine's stage order", () => {
    const readme = table(section(read('README.md'), '## Failure classes'));
    expect(readme.map((row) => row[0])).toEqual([...STAGES]);
    for (const row of readme) {
      const stage = row[0] as string;
      const expected = Object.entries(FAILURE_CLASSES)
        .filter(([, s]) => s === stage)
        .map(([c]) => c);
      expect({ stage, classes: sorted(names(row[1] ?? '')) }).toEqual({ stage, classes: sorted(expected) });
    }
  });
});

describe('`payprobe check --json`', () => {
  type Shape = 'leaf' | 'map' | { array: Shape } | { [key: string]: Shape };

  /** The JSON shape of a type: objects by their keys, arrays by their element, string-keyed records as maps. */
  function shapeOf(checker: ts.TypeChecker, type: ts.Type): Shape {
    const nonNull = type.isUnion()
      ? type.types.filter((t) => !(t.flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined)))
      : [type];
    const [t] = nonNull;
    if (nonNull.length !== 1 || !t || !(t.flags & ts.TypeFlags.Object)) return 'leaf';
    if (checker.isArrayType(t) || checker.isTupleType(t)) {
      const [element] = checker.getTypeArguments(t as ts.TypeReference);
      return { array: element ? shapeOf(checker, element) : 'leaf' };
    }
    if (checker.getIndexInfoOfType(t, ts.IndexKind.String)) return 'map';
    return Object.fromEntries(
      checker.getPropertiesOfType(t).map((p) => [p.name, shapeOf(checker, checker.getTypeOfSymbol(p))]),
    );
  }

  /** Where a JSON value differs from a shape: missing or extra keys, or a value of the wrong kind. */
  function differences(shape: Shape, value: unknown, at: string): string[] {
    const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
    if (shape === 'leaf') return isObject || Array.isArray(value) ? [`${at}: expected a plain value`] : [];
    if (shape === 'map') return isObject ? [] : [`${at}: expected an object`];
    if ('array' in shape && typeof shape.array !== 'undefined' && Object.keys(shape).length === 1) {
      if (!Array.isArray(value) || value.length === 0) return [`${at}: expected a non-empty array`];
      return value.flatMap((v, i) => differences(shape.array as Shape, v, `${at}[${i}]`));
    }
    if (!isObject) return [`${at}: expected an object with ${Object.keys(shape).join(', ')}`];
    const obj = value as Record<string, unknown>;
    return [
      ...Object.keys(shape)
        .filter((k) => !(k in obj))
        .map((k) => `${at}.${k}: missing`),
      ...Object.keys(obj)
        .filter((k) => !(k in shape))
        .map((k) => `${at}.${k}: not in ProbeResult`),
      ...Object.entries(shape)
        .filter(([k]) => k in obj)
        .flatMap(([k, s]) => differences(s, obj[k], `${at}.${k}`)),
    ];
  }

  const file = path.join(REPO, 'lambdas', 'core', 'contract', 'result.ts');
  const program = ts.createProgram([file], { strict: true, noEmit: true, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file) as ts.SourceFile;
  const declaration = source.statements.find(
    (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'ProbeResult',
  );
  const probeResult = shapeOf(checker, checker.getTypeAtLocation(declaration as ts.InterfaceDeclaration));

  const block = /```json\n([\s\S]*?)```/.exec(section(contracts, '## `payprobe check --json`'))?.[1];
  const documented = JSON.parse(block ?? 'null') as {
    results: unknown[];
    summary: Record<string, unknown>;
    tool: Record<string, unknown>;
    schemaVersion: number;
    command: string;
  };

  test('the documented example has exactly the keys of ProbeResult, at every level', () => {
    expect(Object.keys(probeResult)).toContain('timings');
    expect(differences({ array: probeResult }, documented.results, 'results')).toEqual([]);
  });

  test('the documented example has the envelope the CLI writes, with a summary of its results', () => {
    const written = JSON.parse(checkJsonDocument([])) as Record<string, unknown>;
    expect(Object.keys(documented)).toEqual(Object.keys(written));
    expect(documented.schemaVersion).toBe(JSON_SCHEMA_VERSION);
    expect(documented.command).toBe('check');
    expect(Object.keys(documented.tool)).toEqual(['name', 'version']);
    expect(documented.summary).toEqual(checkSummary(documented.results as ProbeResult[]));
  });

  test('the comparison notices a missing, an extra and a misshapen key', () => {
    const result = structuredClone(documented.results[0]) as Record<string, Record<string, unknown>>;
    delete result.timings?.totalMs;
    (result.http as Record<string, unknown>).reason = 'OK';
    result.warnings = {};
    expect(differences({ array: probeResult }, [result], 'results')).toEqual([
      'results[0].warnings: expected a non-empty array',
      'results[0].timings.totalMs: missing',
      'results[0].http.reason: not in ProbeResult',
    ]);
  });
});

describe('metrics', () => {
  const metrics = section(contracts, '## Metrics');

  test('namespace and dimensions as the code names them', () => {
    expect(metrics).toContain(`Namespace \`${METRIC_NAMESPACE}\`, dimension \`${DIMENSION_PROCESSOR}\``);
  });

  test('every metric, and nothing else, with its dimensions', () => {
    const rows = table(metrics).map((row) => ({
      metric: names(row[0] ?? '')[0],
      dimensions: names(row[3] ?? ''),
    }));
    expect(sorted(rows.map((r) => String(r.metric)))).toEqual(
      sorted([...Object.values(METRICS), GATEWAY_METRIC, AUDIT_FINDINGS_METRIC]),
    );
    for (const { metric, dimensions } of rows) {
      expect({ metric, dimensions }).toEqual({
        metric,
        dimensions:
          metric === METRICS.failure
            ? [DIMENSION_PROCESSOR, DIMENSION_CLASS]
            : metric === GATEWAY_METRIC
              ? [DIMENSION_GATEWAY]
              : [DIMENSION_PROCESSOR],
      });
    }
  });

  test("docs/lambda.md's table of what each mode publishes covers every metric, and nothing else", () => {
    const lambda = table(section(read('docs/lambda.md'), '## Metrics'));
    expect(sorted(lambda.flatMap((row) => names(row[0] ?? '')))).toEqual(sorted(Object.values(METRICS)));
  });
});

test('alarms: every kind with its severity and metric, and nothing else', () => {
  const rows = table(section(contracts, '## Alarms')).map((row) =>
    row.map((c) => names(c)[0] ?? c).join(' '),
  );
  expect(sorted(rows)).toEqual(
    sorted(Object.entries(ALARM_KINDS).map(([kind, k]) => `${kind} ${k.severity} ${k.metric}`)),
  );
});

test('no guide points at notes outside the repository', () => {
  const markdown = (dir: string): string[] =>
    readdirSync(path.join(REPO, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? markdown(`${dir}/${e.name}`) : e.name.endsWith('.md') ? [`${dir}/${e.name}`] : [],
    );
  const files = ['README.md', ...markdown('docs')];
  expect(files).toContain('docs/contracts.md');
  expect(files.filter((f) => /\.\.\/shared\/|DESIGN\.md|\bprocessors\.md/.test(read(f)))).toEqual([]);
});

describe('the guides point at files that exist', () => {
  // The guides this project keeps here; docs/engine.md and docs/audit.md have their own owners, and
  // docs/runbooks/ is generated (scripts/gen-runbooks.ts).
  const guides = [
    'README.md',
    ...readdirSync(path.join(REPO, 'docs'))
      .filter((f) => f.endsWith('.md') && !['engine.md', 'audit.md'].includes(f))
      .map((f) => `docs/${f}`),
  ];

  test.each(guides)('%s', (guide) => {
    const text = read(guide);
    const missing = [
      // Paths of the repository named in the text, e.g. `lib/function/bundling.ts`.
      ...[
        ...text.matchAll(
          /(?<![\w./-])((?:bin|lib|lambdas|cli|testbed|test|bench|scripts|docs)\/[\w./-]*\w\.(?:ts|js|json|md|yaml))(?!\w)/g,
        ),
      ].map((m) => m[1] as string),
      // Markdown links to files, relative to the guide.
      ...[...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
        .map((m) => m[1] as string)
        .filter((target) => !/^[a-z]+:/.test(target))
        .map((target) => path.join(path.dirname(guide), target)),
    ].filter((p) => !existsSync(path.join(REPO, p)));
    expect([...new Set(missing)]).toEqual([]);
  });
});

test('the environment contract: every variable the stack sets is described, and the probe table names only real ones', async () => {
  const envNames = Object.entries(await import('../../lambdas/core/contract/env-names'))
    .filter(([k, v]) => k.startsWith('ENV_') && typeof v === 'string')
    .map(([, v]) => v as string);
  expect(envNames).toContain('PAYPROBE_PROCESSOR');
  const described = `${read('docs/lambda.md')}\n${read('docs/diagnosis.md')}`;
  expect(envNames.filter((n) => !described.includes(`\`${n}\``))).toEqual([]);
  const probeTable = table(section(read('docs/lambda.md'), '## Environment contract (set by the CDK stack)'));
  const runtime = ['POWERTOOLS_LOG_LEVEL', 'NODE_OPTIONS'];
  expect(
    probeTable.flatMap((row) => names(row[0] ?? '')).filter((n) => ![...envNames, ...runtime].includes(n)),
  ).toEqual([]);
});
