import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { z } from 'zod';
import type { Terminal } from '@xterm/headless';
import { createReplayTerminal, serializeScreen, writeNow } from './replay-terminal.ts';
import type { ReplayTerminal } from './replay-terminal.ts';

/*
 * A snapshot must let a replay continue exactly as if it had run from the start, so that the
 * screen at t computed from a snapshot is the screen a replay from zero shows. The serialized
 * screen alone is not enough: @xterm/addon-serialize drops trailing rows that are blank but
 * coloured, and knows nothing of the state that only shows in how LATER output lands — the
 * scroll region (every full-screen program sets one), a pending wrap (cursor parked past the
 * last column), the cursor saved by DECSC or by entering the alternate screen, the designated
 * character sets (line drawing), tab stops, a hidden cursor.
 *
 * So a snapshot also carries the terminal's own state, read from xterm's core the way the
 * serialize addon itself reads the current pen: the cells of the buffers in use, verbatim, and
 * the cursor, pen, scroll region, saved cursor, charsets and tab stops. Restoring writes the
 * serialized screen (which sets the modes and the active buffer), then puts the exact state
 * back. The shapes below are those of @xterm/headless 6.
 */

interface ExtendedAttrs {
  _ext: number;
  _urlId: number;
}

interface AttributeData {
  fg: number;
  bg: number;
  extended: ExtendedAttrs;
}

interface BufferLine {
  clone(): BufferLine;
  isWrapped: boolean;
  length: number;
  _data: Uint32Array;
  _combined: Record<number, string>;
  _extendedAttrs: Record<number, ExtendedAttrs | undefined>;
}

interface CoreBuffer {
  x: number;
  y: number;
  ybase: number;
  ydisp: number;
  scrollTop: number;
  scrollBottom: number;
  savedX: number;
  savedY: number;
  savedCurAttrData: AttributeData;
  savedCharset: unknown;
  tabs: Record<number, boolean>;
  lines: { length: number; maxLength: number; get(index: number): BufferLine | undefined; push(line: BufferLine): void; trimStart(count: number): void };
}

interface TerminalCore {
  _bufferService: { buffers: { normal: CoreBuffer; alt: CoreBuffer; active: CoreBuffer } };
  _inputHandler: { _parser: { currentState: number; precedingJoinState: number }; _curAttrData: AttributeData };
  coreService: { isCursorHidden: boolean };
  _charsetService: { charset: unknown; glevel: number; _charsets: unknown[]; setgLevel(g: number): void; setgCharset(g: number, charset: unknown): void };
}

export function terminalCore(term: Terminal): TerminalCore {
  return (term as unknown as { _core: TerminalCore })._core;
}

const PARSER_GROUND = 0;

const attributesSchema = z.tuple([z.number().int(), z.number().int(), z.number().int()]);
type Attributes = z.infer<typeof attributesSchema>;

const linesSchema = z.object({
  /** Each line's cell words (xterm's Uint32Array, 3 per cell), all lines in a row, deflated, base64. */
  cells: z.string(),
  /** Capacity of the line list: decides when a new line pushes the oldest out. */
  capacity: z.number().int().positive(),
  lengths: z.array(z.number().int().nonnegative()),
  wrapped: z.array(z.number().int().nonnegative()),
  /** [line, cell, text] of cells holding more than one code point (combining marks, emoji sequences). */
  combined: z.array(z.tuple([z.number().int(), z.number().int(), z.string()])),
  /** [line, cell, ext] of cells with extended attributes (curly underlines, underline colours). */
  extended: z.array(z.tuple([z.number().int(), z.number().int(), z.number().int()])),
});
type Lines = z.infer<typeof linesSchema>;

const bufferStateSchema = z.object({
  ybase: z.number().int(),
  ydisp: z.number().int(),
  x: z.number().int(),
  y: z.number().int(),
  scrollTop: z.number().int(),
  scrollBottom: z.number().int(),
  savedX: z.number().int(),
  savedY: z.number().int(),
  savedAttributes: attributesSchema,
  savedCharset: z.string(),
  tabs: z.array(z.number().int()),
  lines: linesSchema,
});
type BufferState = z.infer<typeof bufferStateSchema>;

export const terminalStateSchema = z.object({
  version: z.literal(1),
  normal: bufferStateSchema,
  alternate: bufferStateSchema,
  /** Designator of G0..G3 (`B` US ASCII, `0` DEC line drawing, …). */
  charsets: z.array(z.string()).length(4),
  glevel: z.number().int().min(0).max(3),
  /** The charset in use: normally G[glevel], but restoring a saved cursor sets it on its own. */
  charset: z.string(),
  attributes: attributesSchema,
  cursorHidden: z.boolean(),
  /** The last character printed, which REP (CSI b) repeats. */
  precedingJoinState: z.number().int(),
});
export type TerminalState = z.infer<typeof terminalStateSchema>;

/** What a snapshot stores: the serialized screen (for clients) and the exact state (for replays). */
export interface TerminalSnapshot {
  width: number;
  height: number;
  screen: string;
  state: TerminalState;
}

/** Every character set xterm can designate, by its final byte; `B` (US ASCII) is "none". */
const DESIGNATORS = ['B', '0', 'A', '4', 'C', '5', 'R', 'Q', 'K', 'Y', 'E', '6', 'Z', 'H', '7', '='];

/** xterm's charset tables are shared objects; this names each one. */
type CharsetNames = ReadonlyMap<unknown, string>;

let learnedNames: CharsetNames | undefined;

/** Learns which table is which by designating each in a scratch terminal, once. */
export function charsetNames(): CharsetNames {
  if (learnedNames !== undefined) return learnedNames;
  const probe = createReplayTerminal(10, 2);
  const learned = new Map<unknown, string>();
  for (const designator of DESIGNATORS) {
    writeNow(probe.term, `\x1b(${designator}`);
    const charset = terminalCore(probe.term)._charsetService._charsets[0];
    if (!learned.has(charset)) learned.set(charset, designator);
  }
  probe.term.dispose();
  learnedNames = learned;
  return learned;
}

function attributesOf(data: AttributeData): Attributes {
  return [data.fg, data.bg, data.extended._ext];
}

function setAttributes(data: AttributeData, [fg, bg, ext]: Attributes): void {
  data.fg = fg;
  data.bg = bg;
  // Cloned: the pen's extended attributes object may be shared with cells already written.
  data.extended = Object.assign(Object.create(Object.getPrototypeOf(data.extended) as object) as ExtendedAttrs, data.extended, { _ext: ext, _urlId: 0 });
}

/** xterm can end up with one line object in two rows (seen in the alternate buffer); no copy can mimic that. */
function sharesLines(buffer: CoreBuffer): boolean {
  const seen = new Set<BufferLine>();
  for (let row = 0; row < buffer.lines.length; row++) {
    const line = buffer.lines.get(row)!;
    if (seen.has(line)) return true;
    seen.add(line);
  }
  return false;
}

function captureLines(buffer: CoreBuffer): Lines {
  const parts: Buffer[] = [];
  const lines: Lines = { cells: '', capacity: buffer.lines.maxLength, lengths: [], wrapped: [], combined: [], extended: [] };
  for (let row = 0; row < buffer.lines.length; row++) {
    const line = buffer.lines.get(row)!;
    const words = line._data.subarray(0, line.length * 3);
    parts.push(Buffer.from(words.buffer, words.byteOffset, words.byteLength));
    lines.lengths.push(line.length);
    if (line.isWrapped) lines.wrapped.push(row);
    for (const [cell, text] of Object.entries(line._combined)) lines.combined.push([row, Number(cell), text]);
    for (const [cell, attrs] of Object.entries(line._extendedAttrs)) {
      if (attrs !== undefined) lines.extended.push([row, Number(cell), attrs._ext]);
    }
  }
  lines.cells = deflateRawSync(Buffer.concat(parts)).toString('base64');
  return lines;
}

function restoreLines(buffer: CoreBuffer, lines: Lines, template: BufferLine, extendedPrototype: object): void {
  // After the terminal shrank a buffer may hold more lines than it has rows (ybase > 0); the
  // alternate buffer holds none while it is not shown.
  const count = lines.lengths.length;
  if (buffer.lines.maxLength !== lines.capacity) buffer.lines.maxLength = lines.capacity;
  if (buffer.lines.length > count) buffer.lines.trimStart(buffer.lines.length - count);
  while (buffer.lines.length < count) buffer.lines.push(template.clone());
  const bytes = inflateRawSync(Buffer.from(lines.cells, 'base64'));
  // Copied into a buffer of its own: a Uint32Array view needs 4-byte alignment.
  const words = new Uint32Array(bytes.byteLength / 4);
  Buffer.from(words.buffer).set(bytes);
  let offset = 0;
  const wrapped = new Set(lines.wrapped);
  for (let row = 0; row < lines.lengths.length; row++) {
    const line = buffer.lines.get(row)!;
    const length = lines.lengths[row]!;
    // A copy per line: xterm grows a line in place within its own ArrayBuffer.
    line._data = words.slice(offset, offset + length * 3);
    offset += length * 3;
    line.length = length;
    line.isWrapped = wrapped.has(row);
    line._combined = {};
    line._extendedAttrs = {};
  }
  for (const [row, cell, text] of lines.combined) buffer.lines.get(row)!._combined[cell] = text;
  for (const [row, cell, ext] of lines.extended) {
    // Hyperlink ids (OSC 8) are not kept: the serialized screen has no links either.
    buffer.lines.get(row)!._extendedAttrs[cell] = Object.assign(Object.create(extendedPrototype) as ExtendedAttrs, { _ext: ext, _urlId: 0 });
  }
}

function charsetName(names: CharsetNames, charset: unknown): string | null {
  return names.get(charset ?? undefined) ?? null;
}

function captureBuffer(buffer: CoreBuffer, names: CharsetNames): BufferState | null {
  const savedCharset = charsetName(names, buffer.savedCharset);
  if (savedCharset === null) return null;
  return {
    ybase: buffer.ybase,
    ydisp: buffer.ydisp,
    x: buffer.x,
    y: buffer.y,
    scrollTop: buffer.scrollTop,
    scrollBottom: buffer.scrollBottom,
    savedX: buffer.savedX,
    savedY: buffer.savedY,
    savedAttributes: attributesOf(buffer.savedCurAttrData),
    savedCharset,
    tabs: Object.keys(buffer.tabs)
      .map(Number)
      .filter((column) => buffer.tabs[column] === true),
    lines: captureLines(buffer),
  };
}

/**
 * The snapshot of a replay terminal as it is now; call it between writes or inside a write
 * callback. null when a snapshot cannot be exact here: in the middle of an escape sequence
 * (output chunks may end inside one), with a charset this module cannot name, or while xterm
 * shares a line object between rows; the caller tries again after the next event.
 */
export function snapshotOf(replay: ReplayTerminal): TerminalSnapshot | null {
  const names = charsetNames();
  const core = terminalCore(replay.term);
  if (core._inputHandler._parser.currentState !== PARSER_GROUND) return null;
  const buffers = core._bufferService.buffers;
  if (sharesLines(buffers.normal) || sharesLines(buffers.alt)) return null;
  const charsets: string[] = [];
  for (let g = 0; g < 4; g++) {
    const name = charsetName(names, core._charsetService._charsets[g]);
    if (name === null) return null;
    charsets.push(name);
  }
  const charset = charsetName(names, core._charsetService.charset);
  if (charset === null) return null;
  const normal = captureBuffer(buffers.normal, names);
  const alternate = captureBuffer(buffers.alt, names);
  if (normal === null || alternate === null) return null;
  return {
    width: replay.term.cols,
    height: replay.term.rows,
    screen: serializeScreen(replay),
    state: {
      version: 1,
      normal,
      alternate,
      charsets,
      glevel: core._charsetService.glevel,
      charset,
      attributes: attributesOf(core._inputHandler._curAttrData),
      cursorHidden: core.coreService.isCursorHidden,
      precedingJoinState: core._inputHandler._parser.precedingJoinState,
    },
  };
}

function restoreBuffer(buffer: CoreBuffer, state: BufferState, byName: ReadonlyMap<string, unknown>, template: BufferLine, extendedPrototype: object): void {
  restoreLines(buffer, state.lines, template, extendedPrototype);
  buffer.ybase = state.ybase;
  buffer.ydisp = state.ydisp;
  buffer.x = state.x;
  buffer.y = state.y;
  buffer.scrollTop = state.scrollTop;
  buffer.scrollBottom = state.scrollBottom;
  buffer.savedX = state.savedX;
  buffer.savedY = state.savedY;
  setAttributes(buffer.savedCurAttrData, state.savedAttributes);
  buffer.savedCharset = byName.get(state.savedCharset);
  buffer.tabs = Object.fromEntries(state.tabs.map((column) => [column, true]));
}

/** A terminal of the snapshot's size in exactly the state the recorded terminal was in, ready for the next event. */
export function restoreSnapshot(snapshot: TerminalSnapshot): ReplayTerminal {
  const byName = new Map([...charsetNames()].map(([charset, name]) => [name, charset]));
  const replay = createReplayTerminal(snapshot.width, snapshot.height);
  // Sets the modes, the active buffer and the pen; the cells and the rest are then put back verbatim.
  writeNow(replay.term, snapshot.screen);
  const core = terminalCore(replay.term);
  const { state } = snapshot;
  const extendedPrototype = Object.getPrototypeOf(core._inputHandler._curAttrData.extended) as object;
  // Any line will do as the mould for missing ones: cells, length and flags are all overwritten.
  const template = core._bufferService.buffers.normal.lines.get(0)!.clone();
  restoreBuffer(core._bufferService.buffers.normal, state.normal, byName, template, extendedPrototype);
  restoreBuffer(core._bufferService.buffers.alt, state.alternate, byName, template, extendedPrototype);
  state.charsets.forEach((name, g) => core._charsetService.setgCharset(g, byName.get(name)));
  core._charsetService.setgLevel(state.glevel);
  core._charsetService.charset = byName.get(state.charset);
  setAttributes(core._inputHandler._curAttrData, state.attributes);
  core.coreService.isCursorHidden = state.cursorHidden;
  core._inputHandler._parser.precedingJoinState = state.precedingJoinState;
  return replay;
}
