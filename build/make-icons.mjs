#!/usr/bin/env node
/*
 * Draws the Gatehouse icon (a gold gate under an arch on a dark blue tile) and writes it as
 * PNG files: build/icons/<n>x<n>.png for electron-builder and build/tray/tray.png for the tray.
 * Plain Node (zlib) so the icons can be regenerated anywhere: `node build/make-icons.mjs`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));

const TILE = [30, 58, 95];
const GATE = [245, 197, 66];
const SUPERSAMPLE = 4;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** An RGBA image (width*height*4 bytes) as a PNG file: 8-bit RGBA, no interlace, filter 0 on every row. */
function encodePng(width, height, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = 6;
  const rows = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y += 1) {
    rows[y * (width * 4 + 1)] = 0;
    rgba.copy(rows, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

function insideRoundedTile(u, v, radius) {
  const dx = Math.max(radius - u, 0, u - (1 - radius));
  const dy = Math.max(radius - v, 0, v - (1 - radius));
  return dx * dx + dy * dy <= radius * radius;
}

const ARCH = { cx: 0.5, cy: 0.44, outer: 0.31, inner: 0.25 };
const BOTTOM = 0.84;

/** The gate in unit coordinates (v grows downwards): two posts, an arch, three bars and two rails. */
function insideGate(u, v) {
  const post = (u >= 0.19 && u <= 0.25) || (u >= 0.75 && u <= 0.81);
  if (post && v >= ARCH.cy && v <= BOTTOM) return true;
  const dx = u - ARCH.cx;
  const dy = v - ARCH.cy;
  const r = Math.hypot(dx, dy);
  if (v <= ARCH.cy && r >= ARCH.inner && r <= ARCH.outer) return true;
  if (u < 0.25 || u > 0.75 || v > BOTTOM) return false;
  const archTop = ARCH.cy - Math.sqrt(Math.max(ARCH.inner * ARCH.inner - dx * dx, 0));
  if (v < archTop) return false;
  const bar = [0.375, 0.5, 0.625].some((centre) => Math.abs(u - centre) <= 0.022);
  const rail = Math.abs(v - 0.6) <= 0.02 || v >= BOTTOM - 0.04;
  return bar || rail;
}

/** Supersampled so edges are smooth at every size; `tile` false gives the bare glyph on transparency. */
function drawIcon(size, { tile }) {
  const rgba = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      let tileHits = 0;
      let gateHits = 0;
      for (let sy = 0; sy < SUPERSAMPLE; sy += 1) {
        for (let sx = 0; sx < SUPERSAMPLE; sx += 1) {
          const u = (x + (sx + 0.5) / SUPERSAMPLE) / size;
          const v = (y + (sy + 0.5) / SUPERSAMPLE) / size;
          const gu = tile ? (u - 0.5) / 0.82 + 0.5 : u;
          const gv = tile ? (v - 0.5) / 0.82 + 0.5 : v;
          if (tile && insideRoundedTile(u, v, 0.2)) tileHits += 1;
          if (insideGate(gu, gv)) gateHits += 1;
        }
      }
      const samples = SUPERSAMPLE * SUPERSAMPLE;
      const gate = gateHits / samples;
      const background = tile ? tileHits / samples : 0;
      const alpha = tile ? background : gate;
      const mix = (channel) => (tile ? Math.round(TILE[channel] * (1 - gate) + GATE[channel] * gate) : GATE[channel]);
      const at = (y * size + x) * 4;
      rgba[at] = mix(0);
      rgba[at + 1] = mix(1);
      rgba[at + 2] = mix(2);
      rgba[at + 3] = Math.round(alpha * 255);
    }
  }
  return encodePng(size, size, rgba);
}

function write(path, bytes) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  console.log(`wrote ${path} (${bytes.length} bytes)`);
}

for (const size of [512, 256, 128, 64, 32, 16]) write(join(here, 'icons', `${size}x${size}.png`), drawIcon(size, { tile: true }));
write(join(here, 'tray', 'tray.png'), drawIcon(32, { tile: false }));
