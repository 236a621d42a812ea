/** Lexical pieces of SCRAM messages (RFC 5802 §7) shared by the client and server sessions. */

export interface ScramAttribute {
  name: string;
  value: string;
}

/**
 * Splits `a=1,b=2` into attributes. Every SCRAM value is either base64, a nonce or an escaped
 * saslname, none of which may contain a bare comma, so splitting on commas is exact.
 * Returns null when a part is not `<letter>=<value>`.
 */
export function splitAttributes(text: string): ScramAttribute[] | null {
  const attributes: ScramAttribute[] = [];
  for (const part of text.split(',')) {
    if (!/^[A-Za-z]=/.test(part)) return null;
    attributes.push({ name: part.charAt(0), value: part.slice(2) });
  }
  return attributes;
}

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Node's base64 decoder skips junk silently; a SCRAM peer sending junk is broken or hostile. */
export function decodeBase64Strictly(text: string): Buffer | null {
  return STRICT_BASE64.test(text) ? Buffer.from(text, 'base64') : null;
}

/** RFC 5802: printable = %x21-2B / %x2D-7E (printable ASCII except ','). */
export function isValidNonce(nonce: string): boolean {
  return /^[\x21-\x2b\x2d-\x7e]+$/.test(nonce);
}

/** RFC 5802 saslname: ',' and '=' are escaped as =2C and =3D. */
export function encodeSaslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/** Decodes SCRAM message bytes as UTF-8, refusing what no conforming peer sends. */
export function decodeScramText(data: Buffer): string | null {
  const text = data.toString('utf8');
  if (text.includes('\0') || text.includes('\uFFFD')) return null;
  return text;
}
