/**
 * What masking a result stream costs the proxy per row, in process, with no network.
 *
 * Run:   npm run bench:masking [-- <rows>]   (default 1,000,000 per case; well under a minute)
 *
 * Rows shaped like bench:pg's 1M-row table (id, email, full_name, amount, created_at, note,
 * ~100 bytes of text each) are cut into runs of 600 DataRows, about one received chunk, and
 * rewritten by the product's ResultMasker.rewriteDataRun, as the proxy does. Cases:
 *   - no masked column: the run is forwarded as it is (the floor);
 *   - email `partial` and `redact`: column masks written from the row's bytes (byte-mask-run.ts);
 *   - email `hash`: a style that decodes the value and masks the string;
 *   - email `partial` with `scan: all`: every text column also goes through the detectors.
 * Printed: the best of 7 repetitions, in ns per row. The case with no masked column is the
 * floor; the rest is what masking adds to each row the proxy relays.
 */
import { ColumnCatalog } from '../../broker/masking/column-catalog.ts';
import { ResultMasker, newTally } from '../../broker/masking/result-masker.ts';
import type { RowPlan } from '../../broker/masking/row-plan.ts';
import type { FieldDescription } from '../../broker/pg/protocol/backend-decoders.ts';
import { backend } from '../../broker/pg/protocol/backend-messages.ts';
import type { CatalogClient } from '../../broker/pg/upstream/catalog-client.ts';
import type { MaskStyle } from '../../shared/masking/mask-style.ts';
import { parsePolicyText } from '../../shared/policy/parse-policy.ts';

const ROWS_PER_RUN = 600;
const REPETITIONS = 7;
const rows = Number(process.argv[2] ?? '1000000');

function field(name: string, typeOid: number, columnAttr: number): FieldDescription {
  return { name, tableOid: 16384, columnAttr, typeOid, typeSize: -1, typeModifier: -1, format: 0 };
}

const fields = [field('id', 20, 1), field('email', 25, 2), field('full_name', 25, 3), field('amount', 1700, 4), field('created_at', 1184, 5), field('note', 25, 6)];

function run(): Buffer {
  const frames: Buffer[] = [];
  for (let g = 1; g <= ROWS_PER_RUN; g++) {
    const values = [String(g), `user${g}@example.com`, `Name ${g.toString(16).padStart(12, 'a')}`, ((g % 100000) / 100).toFixed(2), '2024-01-01 00:00:01+00', 'd41d8cd98f00b204e9800998ecf8427e'];
    frames.push(backend.dataRow(values.map((value) => Buffer.from(value))));
  }
  return Buffer.concat(frames);
}

interface Case {
  name: string;
  masker: ResultMasker;
  plan: RowPlan;
}

function maskerFor(scan: 'all' | 'none'): ResultMasker {
  const parsed = parsePolicyText(`version: 1\nconnection: bench\ndefault: allow\nmasking:\n  detectors: [email, credit_card, ssn, phone, secret_token, jwt, iban]\n  scan: ${scan}\n`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  // Plans are given directly: the catalog is never asked.
  return new ResultMasker(parsed.policy, new ColumnCatalog({} as CatalogClient), Buffer.from('bench-masking-key'));
}

function plan(emailStyle: MaskStyle | null, others: 'pass' | 'scan'): RowPlan {
  const actions: RowPlan['actions'] = fields.map((f) => (f.name === 'email' && emailStyle !== null ? { kind: 'mask', style: emailStyle, label: 'public.bench_rows.email' } : { kind: others === 'scan' && f.typeOid === 25 ? 'scan' : 'pass' }));
  return { fields, actions, active: actions.some((a) => a.kind !== 'pass'), maskedLabels: emailStyle === null ? [] : ['public.bench_rows.email'] };
}

const cases: Case[] = [
  { name: 'no masked column (forwarded as is)', masker: maskerFor('none'), plan: plan(null, 'pass') },
  { name: 'email partial (from bytes)', masker: maskerFor('none'), plan: plan('partial', 'pass') },
  { name: 'email redact (from bytes)', masker: maskerFor('none'), plan: plan('redact', 'pass') },
  { name: 'email hash (string path)', masker: maskerFor('none'), plan: plan('hash', 'pass') },
  { name: 'email partial + detectors on text columns', masker: maskerFor('all'), plan: plan('partial', 'scan') },
];

const source = run();
const runs = Math.max(1, Math.round(rows / ROWS_PER_RUN));
console.log(`bench:masking — ${runs * ROWS_PER_RUN} rows per case in runs of ${ROWS_PER_RUN} (${source.length} bytes), best of ${REPETITIONS}, Node ${process.version}`);
for (const c of cases) {
  let best = Infinity;
  let outputBytes = 0;
  for (let rep = 0; rep < REPETITIONS; rep++) {
    const started = performance.now();
    outputBytes = 0;
    for (let i = 0; i < runs; i++) outputBytes += c.masker.rewriteDataRun(source, c.plan, newTally()).length;
    best = Math.min(best, performance.now() - started);
  }
  const nsPerRow = (best * 1e6) / (runs * ROWS_PER_RUN);
  console.log(`${c.name.padEnd(44)} ${nsPerRow.toFixed(0).padStart(6)} ns/row   output ${(outputBytes / runs / ROWS_PER_RUN).toFixed(0)} bytes/row`);
}
