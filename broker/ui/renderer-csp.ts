/**
 * The Content-Security-Policy of the served renderer: its own scripts only, the bridge socket
 * on this exact origin, inline styles (Mantine injects them), images from itself or data URLs,
 * and never framed.
 */
export function rendererCsp(port: number): string {
  return [
    "default-src 'self'",
    `connect-src 'self' ws://127.0.0.1:${port}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
