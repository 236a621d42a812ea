/**
 * A strict RFC 4180 reader for the tests: CRLF record ends, quoted cells with doubled quotes.
 * Throws on anything a conforming writer would not produce (a bare LF ending a record, a
 * quote inside an unquoted cell, text after a closing quote), so a sloppy writer fails.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`bad CSV at ${i}: ${why}`);
  };
  while (i < text.length) {
    let cell = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) fail('unterminated quoted cell');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        cell += text[i];
        i++;
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') {
        if (text[i] === '"') fail('quote in an unquoted cell');
        cell += text[i];
        i++;
      }
    }
    row.push(cell);
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text.startsWith('\r\n', i)) {
      i += 2;
      rows.push(row);
      row = [];
      continue;
    }
    fail(`expected , or CRLF after a cell, found ${JSON.stringify(text[i] ?? 'end of text')}`);
  }
  if (row.length > 0) fail('last record does not end with CRLF');
  return rows;
}
