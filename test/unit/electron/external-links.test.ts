import { describe, expect, it } from 'vitest';
import { ExternalLinkAllowlist } from '../../../electron/security/external-link-allowlist.ts';
import { ExternalLinks } from '../../../electron/security/external-links.ts';
import { RecordingLog } from './fake-electron-port.ts';

describe('ExternalLinkAllowlist', () => {
  it('trusts the https origins of the server and the IdP, nothing else', () => {
    const allowlist = new ExternalLinkAllowlist();
    allowlist.trust(['https://gatehouse.example.com/base/', 'https://idp.example.com:8443/realms/corp', 'http://plain.example.com', 'not a url', null, undefined]);
    expect(allowlist.trustedOrigins().sort()).toEqual(['https://gatehouse.example.com', 'https://idp.example.com:8443']);
    expect(allowlist.allows('https://gatehouse.example.com/anything?x=1')).toBe(true);
    expect(allowlist.allows('https://idp.example.com:8443/realms/corp/account')).toBe(true);
    expect(allowlist.allows('https://idp.example.com/realms/corp')).toBe(false); // another port
    expect(allowlist.allows('http://gatehouse.example.com/')).toBe(false);
    expect(allowlist.allows('http://plain.example.com/')).toBe(false);
    expect(allowlist.allows('https://gatehouse.example.com.evil.com/')).toBe(false);
    expect(allowlist.allows('https://user:pw@gatehouse.example.com/')).toBe(false);
    expect(allowlist.allows('file:///etc/passwd')).toBe(false);
    expect(allowlist.allows('garbage')).toBe(false);
  });

  it('follows the session: a new server replaces the old one', () => {
    const allowlist = new ExternalLinkAllowlist();
    allowlist.trust(['https://old.example.com']);
    allowlist.trust(['https://new.example.com', null]);
    expect(allowlist.allows('https://old.example.com/')).toBe(false);
    expect(allowlist.allows('https://new.example.com/')).toBe(true);
  });

  it('trusts nothing before it is told', () => {
    expect(new ExternalLinkAllowlist().allows('https://example.com/')).toBe(false);
  });
});

describe('ExternalLinks', () => {
  function links() {
    const opened: string[] = [];
    const log = new RecordingLog();
    const allowlist = new ExternalLinkAllowlist();
    allowlist.trust(['https://gatehouse.example.com']);
    return { opened, log, links: new ExternalLinks(allowlist, async (url) => void opened.push(url), log) };
  }

  it('opens an allowlisted renderer link and refuses (and logs the origin only of) any other', () => {
    const { opened, log, links: l } = links();
    expect(l.openFromRenderer('https://gatehouse.example.com/help')).toBe(true);
    expect(l.openFromRenderer('https://evil.example.com/steal?code=SECRETCODE')).toBe(false);
    expect(opened).toEqual(['https://gatehouse.example.com/help']);
    expect(log.text()).toContain('https://evil.example.com');
    expect(log.text()).not.toContain('SECRETCODE');
  });

  it('opens the broker’s sign-in URL (http or https, e.g. a loopback dev IdP) but never another scheme', async () => {
    const { opened, links: l } = links();
    await l.openFromBroker('https://idp.example.com/authorize?client_id=gatehouse');
    await l.openFromBroker('http://127.0.0.1:9000/authorize');
    await expect(l.openFromBroker('file:///etc/passwd')).rejects.toThrow(/file:/);
    await expect(l.openFromBroker('smb://host/share')).rejects.toThrow(/smb:/);
    expect(opened).toEqual(['https://idp.example.com/authorize?client_id=gatehouse', 'http://127.0.0.1:9000/authorize']);
  });
});
