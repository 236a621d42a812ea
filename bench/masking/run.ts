/**
 * What masking a result stream costs the proxy per row, in process, with no network.
 *
 * Run:   npm run bench:masking [-- <rows> [<text in the case names to run>]]   (default 1,000,000 rows per case, all cases; well under a minute)
 *
 * It runs bundled by esbuild, as the proxy ships (dist/gatehouse.mjs): under tsx every
 * imported function is reached through a module getter, which costs a masked row ~40 ns more.
 *
 * Rows shaped like bench:pg's 1M-row table (id, email, full_name, amount, created_at, note,
 * ~100 bytes of text each) are cut into runs of 600 DataRows, about one received chunk, and
 * rewritten by the product's ResultMasker.rewriteDataRun, as the proxy does. Each case first
 * copies its run into place, since masking writes over the run (the floor includes that copy).
 * Cases:
 *   - no masked column: the run is forwarded as it is (the floor);
 *   - email `partial` and `redact`: column masks written from the row's bytes (byte-mask-run.ts);
 *   - email `hash`: a style that decodes the value and masks the string;
 *   - email `partial` with `scan: all`: every text column also goes through the detectors;
 *   - email `partial` in `COPY ... TO STDOUT` text lines (CopyMasker.rewriteRun).
 * Printed: the best of 7 repetitions, in ns per row. The case with no masked column is the
 * floor; the rest is what masking adds to each row the proxy relays.
 */
import { ColumnCatalog } from '../../broker/masking/column-catalog.ts';
import { ResultMasker, newTally } from '../../broker/masking/result-masker.ts';
import type { RowPlan } from '../../broker/masking/row-plan.ts';
import type { FieldDescription } from '../../broker/pg/protocol/backend-decoders.ts';
import { backend } from '../../broker/pg/protocol/backend-messages.ts';
import { BackendCode } from '../../broker/pg/protocol/message-codes.ts';
import { MessageBuilder } from '../../broker/pg/protocol/message-builder.ts';
import { CopyMasker, defaultCopyFormat } from '../../broker/masking/copy-masker.ts';
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

function rowValues(g: number): string[] {
  return [String(g), `user${g}@example.com`, `Name ${g.toString(16).padStart(12, 'a')}`, ((g % 100000) / 100).toFixed(2), '2024-01-01 00:00:01+00', 'd41d8cd98f00b204e9800998ecf8427e'];
}

/** A run of DataRows, as a SELECT's result arrives. */
function dataRowRun(): Buffer {
  const frames: Buffer[] = [];
  for (let g = 1; g <= ROWS_PER_RUN; g++) frames.push(backend.dataRow(rowValues(g).map((value) => Buffer.from(value))));
  return Buffer.concat(frames);
}

/** A run of CopyData messages, one text-format line each, as COPY ... TO STDOUT sends them. */
function copyDataRun(): Buffer {
  const frames: Buffer[] = [];
  for (let g = 1; g <= ROWS_PER_RUN; g++) frames.push(new MessageBuilder().bytes(Buffer.from(`${rowValues(g).join('\t')}\n`)).build(BackendCode.CopyData));
  return Buffer.concat(frames);
}

interface Case {
  name: string;
  /** Masks the case's run once; returns the bytes the client would get. */
  rewrite(): Buffer;
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

const rowRun = dataRowRun();
const copyRun = copyDataRun();

/** Where each case gets its run afresh: masking writes over the run it is given, as it does over a received chunk. */
const receivedRun = Buffer.allocUnsafe(rowRun.length);

function selectCase(name: string, masker: ResultMasker, rowPlan: RowPlan): Case {
  return {
    name,
    rewrite: () => {
      rowRun.copy(receivedRun);
      return masker.rewriteDataRun(receivedRun, rowPlan, newTally());
    },
  };
}

const receivedCopyRun = Buffer.allocUnsafe(copyRun.length);

function copyCase(name: string, rowPlan: RowPlan): Case {
  return {
    name,
    rewrite: () => {
      copyRun.copy(receivedCopyRun);
      return new CopyMasker(rowPlan, defaultCopyFormat('text'), null, Buffer.from('bench-masking-key'), newTally()).rewriteRun(receivedCopyRun);
    },
  };
}

const allCases: Case[] = [
  selectCase('no masked column (forwarded as is)', maskerFor('none'), plan(null, 'pass')),
  selectCase('email partial (from bytes)', maskerFor('none'), plan('partial', 'pass')),
  selectCase('email redact (from bytes)', maskerFor('none'), plan('redact', 'pass')),
  selectCase('email hash (string path)', maskerFor('none'), plan('hash', 'pass')),
  selectCase('email partial + detectors on text columns', maskerFor('all'), plan('partial', 'scan')),
  copyCase('COPY text, email partial', plan('partial', 'pass')),
];

const cases = allCases.filter((c) => c.name.includes(process.argv[3] ?? ''));
const runs = Math.max(1, Math.round(rows / ROWS_PER_RUN));
console.log(`bench:masking — ${runs * ROWS_PER_RUN} rows per case in runs of ${ROWS_PER_RUN} (${rowRun.length} bytes), best of ${REPETITIONS}, Node ${process.version}`);
for (const c of cases) {
  let best = Infinity;
  let outputBytes = 0;
  for (let rep = 0; rep < REPETITIONS; rep++) {
    const started = performance.now();
    outputBytes = 0;
    for (let i = 0; i < runs; i++) outputBytes += c.rewrite().length;
    best = Math.min(best, performance.now() - started);
  }
  const nsPerRow = (best * 1e6) / (runs * ROWS_PER_RUN);
  console.log(`${c.name.padEnd(44)} ${nsPerRow.toFixed(0).padStart(6)} ns/row   output ${(outputBytes / runs / ROWS_PER_RUN).toFixed(0)} bytes/row`);
}
